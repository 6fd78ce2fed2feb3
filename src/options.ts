// Option objects checked for unknown keys at run time: TypeScript's excess
// property check stops `{ contamnation: 0.05 }` at compile time, plain
// JavaScript runs it with the defaults. Imports only errors.ts, so every layer
// may use it.
import { ConfigError, describe } from "./errors.js";

/**
 * The keys of an options type as a list, from an object that must name each
 * of them (a key added to the type and not here is a compile error).
 */
export function keysOf<T extends object>(keys: { [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}

/**
 * Throws a ConfigError for the first own key of `options` that is not in
 * `valid`, naming the valid keys and the nearest one. Non-objects pass: their
 * type is the caller's check.
 */
export function checkOptionKeys(where: string, options: unknown, valid: readonly string[]): void {
  if (options === null || typeof options !== "object") return;
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const near = nearest(key, valid);
    const hint = near === undefined ? "" : ` (did you mean "${near}"?)`;
    throw new ConfigError(`${where}: unknown option ${describe(key, 40)}${hint}; valid options: ${[...valid].sort().join(", ")}`);
  }
}

/** The code size's option name first, then the names also accepted for it: scikit-learn's n_components, Keras examples' latent_dim. */
export const CODE_SIZE_KEYS = ["codeSize", "nComponents", "latent"] as const;

/** The options that name the code size: `codeSize`, or one of its aliases. */
export interface CodeSizeOptions {
  codeSize?: number;
  nComponents?: number;
  latent?: number;
}

/**
 * The code size given under `codeSize` or an alias (undefined when none is),
 * with the key it came under for messages. A non-positive or fractional
 * size, or two keys with different sizes, is a ConfigError.
 */
export function codeSizeOption(where: string, options: CodeSizeOptions): { size: number; key: string } | undefined {
  let found: { size: number; key: string } | undefined;
  for (const key of CODE_SIZE_KEYS) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new ConfigError(`${where}: ${key}: expected a positive integer (the code size), found ${describe(value)}`);
    }
    if (found && found.size !== value) {
      throw new ConfigError(`${where}: ${found.key} and ${key} both name the code size, and differ: ${found.size} and ${value}`);
    }
    found ??= { size: value, key };
  }
  return found;
}

/** The valid key closest to `key` in edit distance, if close enough to be a typo (at most a third of its length, at least 2). */
function nearest(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of valid) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}
