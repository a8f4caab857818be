// The CLI as a function: argv and injected streams in, an exit code out (0 done, 1 refused or failed, 2 usage).
// Stateless, so the bin (scripts/cli.ts) and the tests call the same thing. Every failure is one line on stderr,
// "terway-relay: <reason>" (invalid values add one "- path: message" line per problem); never a stack trace.
import { parseArgs } from "node:util";
import { type CliIo, type Command, Failure, type ParsedArgs, UsageError, line } from "./spec.js";

/** Command modules, loaded when dispatched (each loads what it needs only when it runs). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  render: async () => (await import("./render.js")).render,
  validate: async () => (await import("./validate.js")).validate,
  plan: async () => (await import("./plan.js")).plan,
  adopt: async () => (await import("./adopt.js")).adopt,
  "check-image": async () => (await import("./check-image.js")).checkImage,
  example: async () => (await import("./example.js")).example,
  doctor: async () => (await import("./doctor.js")).doctor,
};

const HELP_OPTION = { type: "boolean", short: "h", help: "print this help" } as const;

function optionLines(c: Command): string[] {
  const rows = Object.entries({ ...c.options, help: HELP_OPTION }).map(([name, o]) => {
    const spelled = `${"short" in o && o.short ? `-${o.short}, ` : ""}--${name}${"arg" in o && o.arg ? ` ${o.arg}` : ""}`;
    return [spelled, o.help];
  });
  if (c.positionals) rows.unshift([c.positionals.usage, c.positionals.help]);
  const width = Math.max(...rows.map(([s]) => s.length));
  return rows.map(([s, h]) => `    ${s.padEnd(width)}  ${h}`);
}

async function help(only?: string): Promise<string> {
  const names = only ? [only] : Object.keys(COMMANDS);
  const out = only
    ? []
    : ["usage: terway-relay COMMAND [options]   (terway-relay COMMAND --help for one command)", "", "commands:"];
  for (const name of names) {
    const c = await COMMANDS[name]();
    out.push(`  ${name}${c.positionals ? ` ${c.positionals.usage}` : ""}: ${c.summary}`, ...optionLines(c));
  }
  return out.join("\n");
}

/** node:util parseArgs' messages, shortened to the flag and the problem. */
function usageMessage(e: Error & { code?: string }): string {
  const flagName = /'([^']+)'/.exec(e.message)?.[1]?.split(" ")[0];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${flagName}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /argument missing/.test(e.message)
        ? `${flagName} needs a value`
        : /ambiguous/.test(e.message)
          ? `${flagName} needs a value (write ${flagName}=VALUE for a value starting with -)`
          : `${flagName} takes no value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(e.message)?.[1] ?? "")}`;
    default:
      return e.message.split("\n")[0];
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    line(io.stderr, "terway-relay: no command given (terway-relay --help lists them)");
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    line(io.stdout, await help(rest[0] && rest[0] in COMMANDS ? rest[0] : undefined));
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, name))
    throw new UsageError(`unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(", ")})`);
  const command = await COMMANDS[name]();
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        ...Object.fromEntries(
          Object.entries(command.options).map(([k, { type, short, multiple }]) => [
            k,
            { type, multiple: multiple ?? false, ...(short ? { short } : {}) },
          ]),
        ),
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    }) as ParsedArgs; // multiple string options only: no boolean lands in an array
  } catch (e) {
    if (!String((e as { code?: string }).code).startsWith("ERR_PARSE_ARGS_")) throw e;
    throw new UsageError(usageMessage(e as Error & { code?: string }));
  }
  if (parsed.values.help) {
    line(io.stdout, await help(name));
    return 0;
  }
  if (!command.positionals && parsed.positionals.length)
    throw new UsageError(`${name} takes no arguments, got ${JSON.stringify(parsed.positionals[0])}`);
  return await command.run(parsed, io);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      line(io.stderr, `terway-relay: ${e.message} (terway-relay --help)`);
      return 2;
    }
    if (e instanceof Failure) {
      line(io.stderr, [`terway-relay: ${e.message}`, ...e.details].join("\n"));
      return 1;
    }
    // Anything else is the input's or the environment's (a missing file, no helm, a bad --set): one line.
    const message = e instanceof Error ? ((e as { reason?: string }).reason ?? e.message) : String(e);
    line(io.stderr, `terway-relay: ${message.split("\n").filter((l) => l.trim() !== "")[0] ?? "failed"}`);
    return 1;
  }
}
