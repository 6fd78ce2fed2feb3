// Typed errors. Every message names what was expected and what was found.
// This file imports nothing, so every layer may use it.

export class AutoencoderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor, array or option had the wrong shape or size. */
export class ShapeError extends AutoencoderError {}

/** Data held a value that cannot be trained on (NaN, ±Infinity, empty input). */
export class DataError extends AutoencoderError {}

/** A model, layer or training option is invalid. */
export class ConfigError extends AutoencoderError {}

/** Training produced a non-finite loss; the weights from before the step are kept. */
export class DivergenceError extends AutoencoderError {
  constructor(message: string, readonly epoch: number, readonly step: number) {
    super(message);
  }
}

/** Bytes given to `load` are not a model file this version can read. */
export class ModelFormatError extends AutoencoderError {}

/** The runtime lacks something the core needs (WebAssembly, SIMD). */
export class UnsupportedRuntimeError extends AutoencoderError {}

/** A model was used after `dispose()`. */
export class DisposedError extends AutoencoderError {}
