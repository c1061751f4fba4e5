/**
 * `npm run snapshot:build`: builds the Daytona snapshot with the REPL server installed, then prints the
 * `DAYTONA_SNAPSHOT` value to deploy with. Reads `DAYTONA_API_URL` and `DAYTONA_API_KEY` from the environment.
 *
 *   npm run snapshot:build -- [--base IMAGE] [--cpu N] [--memory GiB] [--disk GiB] [--dry-run]
 *
 * `--dry-run` prints the Dockerfile and the name without calling Daytona. Resources set here are every sandbox's
 * (Daytona takes them from the snapshot; a create may not override them).
 */
import { parseArgs } from "node:util";
import { Daytona, DaytonaConflictError } from "@daytonaio/sdk";
import { DEFAULT_BASE_IMAGE, replImage, replSnapshot } from "./fleet-repl";

const { values } = parseArgs({
  options: {
    base: { type: "string", default: DEFAULT_BASE_IMAGE },
    cpu: { type: "string" },
    memory: { type: "string" },
    disk: { type: "string" },
    "dry-run": { type: "boolean", default: false },
  },
});

const snapshot = replSnapshot();
const image = replImage(values.base);
const resources = Object.fromEntries(
  (["cpu", "memory", "disk"] as const).flatMap((k) => (values[k] ? [[k, Number(values[k])]] : [])),
);
for (const [k, v] of Object.entries(resources)) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a whole number of at least 1`);
}

console.log(`snapshot ${snapshot.name} (repl_server.py sha256 ${snapshot.sha256.slice(0, 12)}…) from ${values.base}`);
if (values["dry-run"]) {
  console.log(`\n${image.dockerfile}`);
} else {
  if (!process.env.DAYTONA_API_KEY)
    throw new Error("Set DAYTONA_API_KEY (and DAYTONA_API_URL for self-hosted Daytona)");
  const daytona = new Daytona({ apiKey: process.env.DAYTONA_API_KEY, apiUrl: process.env.DAYTONA_API_URL });
  try {
    await daytona.snapshot.create(
      { name: snapshot.name, image, ...(Object.keys(resources).length ? { resources } : {}) },
      { onLogs: (line) => process.stdout.write(line.endsWith("\n") ? line : `${line}\n`), timeout: 0 },
    );
  } catch (err) {
    // Names carry the server's hash: an existing one already holds this exact server.
    if (!(err instanceof DaytonaConflictError)) throw err;
    console.log("already built");
  }
}
console.log(`\nDeploy with: DAYTONA_SNAPSHOT=${snapshot.name}`);
