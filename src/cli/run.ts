/// <reference types="node" />
// The `autoencoders` command line, as a function of its arguments. Exit codes:
// 0 done, 1 bad input or a failed run, 2 a mistake in the command line. An
// error is one line on stderr, `autoencoders: <message>`; --debug adds the
// stack trace.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AutoencoderError } from "../errors.js";
import { ENCODE, encode, GENERATE, generate, RECONSTRUCT, reconstruct, SCORE, score } from "./apply.js";
import { commandHelp, parseArgs, UsageError, wrap, type CommandSpec, type ParsedArgs } from "./args.js";
import { DATA_FORMATS_HELP, FileError } from "./data.js";
import { EXPORT, exportOnnx, IMPORT, importOnnx } from "./onnx.js";
import { TRAIN, train } from "./train.js";

const COMMANDS: [CommandSpec, (args: ParsedArgs) => Promise<void>][] = [
  [TRAIN, train],
  [SCORE, score],
  [ENCODE, encode],
  [RECONSTRUCT, reconstruct],
  [GENERATE, generate],
  [EXPORT, exportOnnx],
  [IMPORT, importOnnx],
];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map(([c]) => c.name.length)) + 2;
  return [
    "autoencoders: train autoencoders on data files and use them (deterministic WebAssembly SIMD core).",
    "",
    "Usage: autoencoders <command> [arguments] [flags]",
    "",
    "Commands:",
    ...COMMANDS.map(([c]) => `  ${c.name.padEnd(width)}${wrap(c.summary, 98 - width, 2 + width)}`),
    "",
    "Flags:",
    "  --help, -h     Show help: `autoencoders <command> --help` lists a command's flags.",
    "  --version, -v  Print the version.",
    "  --debug        Print the stack trace of an error.",
    "",
    wrap(DATA_FORMATS_HELP, 100, 0),
    "Exit codes: 0 done, 1 bad input or a failed run, 2 a mistake in the command line.",
    "",
    "Examples:",
    "  autoencoders train normal.csv --kind detector --out detector.aenc",
    "  autoencoders score detector.aenc new.csv --out scores.csv",
    "",
  ].join("\n");
}

/** The version in the package.json above this file (dist/cli.js, or src/cli/main.ts under tsx). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "autoencoders" && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    const up = dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

/** Runs the command line; resolves to the exit code. */
export async function run(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const [name, ...rest] = argv[0] === "--debug" ? argv.slice(1) : argv;
    if (name === undefined) {
      err(mainHelp());
      return EXIT.usage;
    }
    if (name === "--help" || name === "-h") {
      out(mainHelp());
      return EXIT.ok;
    }
    if (name === "--version" || name === "-v") {
      out(`${version()}\n`);
      return EXIT.ok;
    }
    if (name === "help") {
      const topic = COMMANDS.find(([c]) => c.name === rest[0]);
      if (rest[0] !== undefined && !topic) throw new UsageError(unknownCommand(rest[0]));
      out(topic ? commandHelp(topic[0]) : mainHelp());
      return EXIT.ok;
    }
    const command = COMMANDS.find(([c]) => c.name === name);
    if (!command) throw new UsageError(name.startsWith("-") ? `unknown flag ${name} before a command; valid: --help, --version, --debug` : unknownCommand(name));
    const [spec, action] = command;
    const args = parseArgs(spec, rest);
    if (args.help) {
      out(commandHelp(spec));
      return EXIT.ok;
    }
    await action(args);
    return EXIT.ok;
  } catch (error) {
    err(`autoencoders: ${messageOf(error).replace(/\s*\n\s*/g, " ")}\n`);
    if (debug && error instanceof Error && error.stack) err(`${error.stack}\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}

function unknownCommand(name: string): string {
  return `unknown command ${JSON.stringify(name)}; expected one of ${COMMANDS.map(([c]) => c.name).join(", ")}`;
}

function messageOf(error: unknown): string {
  if (error instanceof UsageError || error instanceof FileError || error instanceof AutoencoderError) return error.message;
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
