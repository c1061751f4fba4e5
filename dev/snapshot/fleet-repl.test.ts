import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REPL_SERVER_PATH } from "../../worker/contracts/repl";
import { DEFAULT_BASE_IMAGE, replImage, replSnapshot } from "./fleet-repl";

describe("the REPL snapshot", () => {
  it("is named by the server's hash and holds the server where the Worker launches it", () => {
    const source = readFileSync("worker/sandbox/python/repl_server.py", "utf8");
    const sha = createHash("sha256").update(source).digest("hex");
    const snapshot = replSnapshot();
    expect(snapshot.name).toBe(`fleet-repl-${sha.slice(0, 12)}`);
    expect(snapshot.files).toEqual({ [REPL_SERVER_PATH]: source });
  });

  it("is built from a pinned base with the server copied in", () => {
    const lines = replImage().dockerfile.trim().split("\n");
    expect(lines[0]).toBe(`FROM ${DEFAULT_BASE_IMAGE}`);
    expect(DEFAULT_BASE_IMAGE).not.toMatch(/:(latest|lts|stable)$/);
    expect(lines.some((l) => l.startsWith("COPY ") && l.endsWith(` ${REPL_SERVER_PATH}`))).toBe(true);
    expect(replImage("python:3.12-slim").dockerfile).toContain("FROM python:3.12-slim");
  });
});
