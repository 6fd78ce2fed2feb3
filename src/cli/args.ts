// The command line's argument parser: `command <positionals> --flag value`,
// `--flag=value`, boolean flags, `--help`/`-h`, and `--` to end the flags.
// Every mistake is a UsageError (exit code 2) naming the flag and what was
// expected; help text is rendered from the same specs, so it cannot drift.

/** A mistake in the command line itself: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type FlagType = "string" | "int" | "number" | "boolean" | "ints";

export interface FlagSpec {
  /** Without the dashes: "batch-size". */
  name: string;
  type: FlagType;
  /** Placeholder of the value in help: "N", "FILE". */
  value?: string;
  /** The default as help shows it; none when omitted. */
  default?: string;
  help: string;
  /** Smallest accepted value of int flags. Default 1. */
  min?: number;
}

export interface PositionalSpec {
  name: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals: PositionalSpec[];
  flags: FlagSpec[];
  /** Extra help paragraphs, each a line. */
  notes?: string[];
  examples: string[];
}

export type FlagValue = string | number | boolean | number[];

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, FlagValue>;
  help: boolean;
}

/** Flags every command takes, besides its own. */
export const COMMON_FLAGS: FlagSpec[] = [
  { name: "help", type: "boolean", help: "Show this help and exit." },
  { name: "debug", type: "boolean", help: "Print the stack trace of an error." },
];

const flagList = (flags: readonly FlagSpec[]): string => flags.map((f) => `--${f.name}`).join(", ");

/** Parses the arguments after the command name against its spec. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const all = [...spec.flags, ...COMMON_FLAGS];
  const byName = new Map(all.map((f) => [f.name, f]));
  const positionals: string[] = [];
  const flags = new Map<string, FlagValue>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg.startsWith("-") && arg !== "-" && !/^-\d|^-\.\d/.test(arg)) {
        throw new UsageError(`${spec.name}: unknown option ${arg}; valid flags: ${flagList(all)}, -h`);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = byName.get(name);
    if (!flag) throw new UsageError(`${spec.name}: unknown flag --${name}; valid flags: ${flagList(all)}`);
    if (flags.has(name)) throw new UsageError(`${spec.name}: --${name} given twice`);
    if (flag.type === "boolean") {
      if (eq >= 0) {
        const text = arg.slice(eq + 1);
        if (text !== "true" && text !== "false") throw new UsageError(`${spec.name}: --${name} is a switch: expected no value (or =true/=false), found ${JSON.stringify(text)}`);
        flags.set(name, text === "true");
      } else flags.set(name, true);
      if (name === "help") help = flags.get(name) === true;
      continue;
    }
    let text: string;
    if (eq >= 0) text = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new UsageError(`${spec.name}: --${name} needs a value (${flag.value ?? flag.type})`);
      }
      text = next;
      i++;
    }
    flags.set(name, convert(spec.name, flag, text));
  }
  return { positionals, flags, help };
}

function convert(command: string, flag: FlagSpec, text: string): FlagValue {
  const bad = (what: string) => new UsageError(`${command}: --${flag.name}: expected ${what}, found ${JSON.stringify(text)}`);
  const min = flag.min ?? 1;
  switch (flag.type) {
    case "string":
      if (text === "") throw bad("a value");
      return text;
    case "int": {
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw bad(`an integer >= ${min}`);
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < min) throw bad(`an integer >= ${min}`);
      return n;
    }
    case "number": {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) throw bad("a number");
      return n;
    }
    case "ints": {
      const parts = text.split(",").map((p) => p.trim());
      const values = parts.map(Number);
      if (parts.some((p) => !/^\d+$/.test(p)) || values.some((v) => v < 1)) throw bad("a comma-separated list of positive integers such as 256,64");
      return values;
    }
    case "boolean":
      return true;
  }
}

/** The positionals, checked for count: exactly the spec's. */
export function positionalsOf(spec: CommandSpec, parsed: ParsedArgs): string[] {
  const want = spec.positionals;
  const got = parsed.positionals;
  if (got.length < want.length) {
    const missing = want.slice(got.length).map((p) => `<${p.name}>`).join(" ");
    throw new UsageError(`${spec.name}: missing ${missing}; usage: ${usageLine(spec)}`);
  }
  if (got.length > want.length) {
    throw new UsageError(`${spec.name}: expected ${want.length} argument${want.length === 1 ? "" : "s"} (${want.map((p) => `<${p.name}>`).join(" ")}), found ${got.length}: unexpected ${JSON.stringify(got[want.length])}`);
  }
  return got;
}

export function usageLine(spec: CommandSpec): string {
  return `autoencoders ${spec.name} ${spec.positionals.map((p) => `<${p.name}>`).join(" ")} [flags]`.replace(/ +/g, " ");
}

/** The command's --help text. */
export function commandHelp(spec: CommandSpec): string {
  const rows: [string, string][] = [];
  for (const p of spec.positionals) rows.push([`<${p.name}>`, p.help]);
  const flags = [...spec.flags, ...COMMON_FLAGS];
  const flagRows: [string, string][] = flags.map((f) => [
    `--${f.name}${f.type === "boolean" ? "" : ` ${f.value ?? f.type.toUpperCase()}`}${f.name === "help" ? ", -h" : ""}`,
    `${f.help}${f.default === undefined ? "" : ` Default: ${f.default}.`}`,
  ]);
  const width = Math.max(...[...rows, ...flagRows].map(([left]) => left.length)) + 2;
  const table = (r: [string, string][]) => r.map(([left, right]) => `  ${left.padEnd(width)}${wrap(right, WIDTH - 2 - width, 2 + width)}`).join("\n");
  const parts = [`${spec.summary}\n\nUsage: ${usageLine(spec)}`];
  if (rows.length > 0) parts.push(`Arguments:\n${table(rows)}`);
  parts.push(`Flags:\n${table(flagRows)}`);
  if (spec.notes?.length) parts.push(spec.notes.map((n) => wrap(n, WIDTH, 0)).join("\n"));
  parts.push(`Example${spec.examples.length > 1 ? "s" : ""}:\n${spec.examples.map((e) => `  ${e}`).join("\n")}`);
  return `${parts.join("\n\n")}\n`;
}

/** Help lines are wrapped to this many columns. */
const WIDTH = 100;

/** Word-wraps text to `width` columns, indenting continuation lines by `indent`. */
export function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > Math.max(width, 30)) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** The --columns flag of commands that read data files. */
export const COLUMNS_FLAG: FlagSpec = {
  name: "columns",
  type: "string",
  value: "C,C",
  default: "all",
  help: "CSV only: the columns to use, in order, by header name or 0-based index, e.g. sepal_length,sepal_width or 0,1,2,3.",
};

/** "a,b,3" → ["a", "b", 3]: a field of digits is a 0-based index, any other a header name. */
export function parseColumns(command: string, text: string): (string | number)[] {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.some((p) => p === "")) throw new UsageError(`${command}: --columns: expected comma-separated names or 0-based indices such as a,b or 0,2, found ${JSON.stringify(text)}`);
  const columns = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(String(c))) throw new UsageError(`${command}: --columns: ${JSON.stringify(c)} is given twice`);
    seen.add(String(c));
  }
  return columns;
}
