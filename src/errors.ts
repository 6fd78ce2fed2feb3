// Typed errors. Every message names what was expected and what was found.
// This file imports nothing, so every layer may use it.

// Each class states its name: the bundles are minified without keeping names
// (they cost start-up time), so `new.target.name` would be a mangled one.
export class AutoencoderError extends Error {
  override name = "AutoencoderError";
}

/** A tensor, array or option had the wrong shape or size. */
export class ShapeError extends AutoencoderError {
  override name = "ShapeError";
}

/** Data held a value that cannot be trained on (NaN, ±Infinity, empty input). */
export class DataError extends AutoencoderError {
  override name = "DataError";
}

/** A model, layer or training option is invalid. */
export class ConfigError extends AutoencoderError {
  override name = "ConfigError";
}

/** Training produced a non-finite loss; the weights from before the step are kept. */
export class DivergenceError extends AutoencoderError {
  override name = "DivergenceError";
  constructor(message: string, readonly epoch: number, readonly step: number) {
    super(message);
  }
}

/** Bytes given to `load` are not a model file this version can read. */
export class ModelFormatError extends AutoencoderError {
  override name = "ModelFormatError";
}

/** The runtime lacks something the core needs (WebAssembly, SIMD). */
export class UnsupportedRuntimeError extends AutoencoderError {
  override name = "UnsupportedRuntimeError";
}

/** A model was used after `dispose()`. */
export class DisposedError extends AutoencoderError {
  override name = "DisposedError";
}
