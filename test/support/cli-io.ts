// Runs the CLI in this process through its seam, run(argv, io): the same function the bin calls, with streams
// that collect what it writes. Far cheaper than spawning node for each case.
import { Readable, Writable } from "node:stream";
import { run } from "../../scripts/commands/run.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout says it is a terminal (isTTY), as commands that draw in place check. */
  tty?: boolean;
  /** Sees each write to stdout as it happens. */
  onWrite?: (chunk: string) => void;
}

function collector(onWrite?: (chunk: string) => void): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const b = Buffer.from(chunk);
      chunks.push(b);
      onWrite?.(b.toString("utf8"));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

export async function runCli(argv: string[], o: CliOptions = {}): Promise<CliResult> {
  const [out, err] = [collector(o.onWrite), collector()];
  const code = await run(argv, {
    stdout: o.tty ? Object.assign(out.stream, { isTTY: true }) : out.stream,
    stderr: err.stream,
    stdin: Readable.from(o.stdin === undefined ? [] : [o.stdin]),
    env: o.env ?? process.env,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}
