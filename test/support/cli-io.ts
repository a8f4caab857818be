// Runs the CLI in this process through its seam, run(argv, io): the same function the bin calls, with streams
// that collect what it writes. Far cheaper than spawning node for each case.
import { Readable, Writable } from "node:stream";
import { run } from "../../scripts/commands/run.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

export async function runCli(argv: string[], o: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const [out, err] = [collector(), collector()];
  const code = await run(argv, {
    stdout: out.stream,
    stderr: err.stream,
    stdin: Readable.from(o.stdin === undefined ? [] : [o.stdin]),
    env: o.env ?? process.env,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}
