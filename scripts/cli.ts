#!/usr/bin/env node
// The terway-relay bin: run() (scripts/commands/run.ts) with this process's streams and environment.
// The #! line stays here (not only in the bundle banner): a stale link to this file must still run under node.
import { run } from "./commands/run.js";

// A reader that stops early (`terway-relay render | head -1`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") process.stderr.write(`terway-relay: cannot write the output: ${e.message}\n`);
  process.exit(e.code === "EPIPE" ? (process.exitCode ?? 0) : 1);
});

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
