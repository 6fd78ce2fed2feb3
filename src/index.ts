// The public surface of `autoencoders`: every name a user may import.
export { init, type WasmSource } from "./wasm/module.js";
export {
  AutoencoderError,
  ShapeError,
  DataError,
  ConfigError,
  DivergenceError,
  ModelFormatError,
  UnsupportedRuntimeError,
  DisposedError,
} from "./errors.js";
