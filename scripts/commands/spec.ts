// What every command module declares: its options (node:util parseArgs), positionals and one-line help, and
// what it does with the parsed arguments. scripts/commands/run.ts parses and dispatches.
import type { Readable, Writable } from "node:stream";

/** The process around a command, injected: the bin passes its own streams and environment, tests their own. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** Read only when a values file or --set-file path is "-". */
  stdin: Readable;
  env: NodeJS.ProcessEnv;
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** One line for --help. */
  help: string;
  /** The value's name in --help, e.g. FILE. */
  arg?: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line for --help. */
  summary: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments in --help, e.g. "[FILE...]"; absent: none allowed. */
  positionals?: { usage: string; help: string };
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** A mistake in the command line: exit 2 with this one-line reason. */
export class UsageError extends Error {}

/** A refusal or failure that is the input's fault or the environment's: exit 1 with this one-line reason. */
export class Failure extends Error {
  /** Lines after the reason, e.g. "- region: is required". */
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** Writes one line to a stream. */
export function line(stream: Writable, text: string): void {
  stream.write(`${text}\n`);
}

export const strings = (a: ParsedArgs, name: string): string[] => (a.values[name] as string[] | undefined) ?? [];
export const str = (a: ParsedArgs, name: string): string | undefined => a.values[name] as string | undefined;
export const flag = (a: ParsedArgs, name: string): boolean => a.values[name] === true;
