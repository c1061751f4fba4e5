/**
 * The Daytona snapshot with the REPL server installed, described once: the build script creates it on Daytona with
 * the SDK's image builder, and the dev sandbox server offers the same files under the same name, so
 * `DAYTONA_SNAPSHOT` means the same thing locally and deployed.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Image } from "@daytonaio/sdk";
import { REPL_SERVER_PATH } from "../../worker/contracts/repl";

const REPL_SOURCE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../worker/sandbox/python/repl_server.py",
);

/**
 * Daytona's default sandbox image (user `daytona`, home `/home/daytona`, python3), pinned: Daytona refuses `latest`.
 */
export const DEFAULT_BASE_IMAGE = "daytonaio/sandbox:0.4.3";

export interface ReplSnapshot {
  /** `fleet-repl-` and the first 12 hex digits of the server's SHA-256: a new server version is a new snapshot. */
  name: string;
  sha256: string;
  /** Sandbox path → contents, as the image holds them. */
  files: Record<string, string>;
}

/** The snapshot for the REPL server in this checkout. */
export function replSnapshot(): ReplSnapshot {
  const source = readFileSync(REPL_SOURCE, "utf8");
  const sha256 = createHash("sha256").update(source).digest("hex");
  return { name: `fleet-repl-${sha256.slice(0, 12)}`, sha256, files: { [REPL_SERVER_PATH]: source } };
}

/** The image the snapshot is built from: `base` with the server copied to where the Worker launches it. */
export function replImage(base = DEFAULT_BASE_IMAGE): Image {
  return Image.base(base).addLocalFile(REPL_SOURCE, REPL_SERVER_PATH);
}
