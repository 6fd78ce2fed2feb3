// Typed errors. Every message names what was expected and what was found.
// This file imports nothing, so every layer may use it.

// Each class states its name, so `error.name` does not depend on how a bundler
// treats class names.
/** The base of every error the library throws: `error instanceof AutoencoderError` catches them all. */
export class AutoencoderError extends Error {
  /** "AutoencoderError", whatever a bundler does to class names. */
  override name = "AutoencoderError";
}

/** A tensor, array or option had the wrong shape or size. */
export class ShapeError extends AutoencoderError {
  /** "ShapeError", whatever a bundler does to class names. */
  override name = "ShapeError";
}

/** Data held a value that cannot be trained on (NaN, ±Infinity, empty input). */
export class DataError extends AutoencoderError {
  /** "DataError", whatever a bundler does to class names. */
  override name = "DataError";
}

/** A model, layer or training option is invalid. */
export class ConfigError extends AutoencoderError {
  /** "ConfigError", whatever a bundler does to class names. */
  override name = "ConfigError";
}

/** Training produced a non-finite loss; the weights from before the step are kept. */
export class DivergenceError extends AutoencoderError {
  /** "DivergenceError", whatever a bundler does to class names. */
  override name = "DivergenceError";
  constructor(
    message: string,
    /** The epoch (0-based) whose step diverged. */
    readonly epoch: number,
    /** The global training step (0-based) that diverged. */
    readonly step: number,
  ) {
    super(message);
  }
}

/** Bytes given to `load` are not a model file this version can read. */
export class ModelFormatError extends AutoencoderError {
  /** "ModelFormatError", whatever a bundler does to class names. */
  override name = "ModelFormatError";
}

/** The runtime lacks something the core needs (WebAssembly, SIMD). */
export class UnsupportedRuntimeError extends AutoencoderError {
  /** "UnsupportedRuntimeError", whatever a bundler does to class names. */
  override name = "UnsupportedRuntimeError";
}

/** A model was used after `dispose()`. */
export class DisposedError extends AutoencoderError {
  /** "DisposedError", whatever a bundler does to class names. */
  override name = "DisposedError";
}

/** Memory for a tensor, model or data set could not be had; names what was being allocated. */
export class ResourceError extends AutoencoderError {
  /** "ResourceError", whatever a bundler does to class names. */
  override name = "ResourceError";
}

/** A kernel failed on a worker thread, or a worker stopped answering in the middle of a call. */
export class WorkerError extends AutoencoderError {
  override name = "WorkerError";
}

const DESCRIBE_DEPTH = 2;
const DESCRIBE_ITEMS = 4;

/**
 * A short rendering of any value for an error message: at most `maxChars`
 * characters whatever the value holds (a 50 MB string, 5,000 levels of
 * nesting, a cycle, a throwing getter), and it never throws. Values quoted in
 * errors come from users and files, so every message quotes them through this.
 */
export function describe(value: unknown, maxChars = 80): string {
  let text: string;
  try {
    text = render(value, DESCRIBE_DEPTH, maxChars);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}

function render(value: unknown, depth: number, maxChars: number): string {
  switch (typeof value) {
    case "string": {
      const head = value.length > maxChars ? value.slice(0, maxChars) : value;
      const quoted = JSON.stringify(head);
      return value.length > maxChars ? `${quoted.slice(0, -1)}…" (${value.length} characters)` : quoted;
    }
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
  }
  if (value === null) return "null";
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length ?? value.byteLength;
    return `${value.constructor.name}(${length})`;
  }
  if (Array.isArray(value)) {
    if (depth === 0) return `[…] (${value.length} items)`;
    const items = value.slice(0, DESCRIBE_ITEMS).map((item) => render(item, depth - 1, maxChars));
    const more = value.length > DESCRIBE_ITEMS ? `, … (${value.length} items)` : "";
    return `[${items.join(", ")}${more}]`;
  }
  if (depth === 0) return "{…}";
  const keys = Object.keys(value as object);
  const entries = keys
    .slice(0, DESCRIBE_ITEMS)
    .map((key) => `${render(key, 0, 24)}: ${render((value as Record<string, unknown>)[key], depth - 1, maxChars)}`);
  const more = keys.length > DESCRIBE_ITEMS ? `, … (${keys.length} keys)` : "";
  return `{${entries.join(", ")}${more}}`;
}
