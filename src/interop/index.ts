// The `autoencoders/onnx` entry: models to and from ONNX, outside the core bundle.
export { toOnnx, ONNX_IR_VERSION, ONNX_OPSET, BATCH_DIM, type OnnxPart, type ToOnnxOptions } from "./onnx-export.js";
export { fromOnnx, type FromOnnxOptions, type OnnxVaeOptions } from "./onnx-import.js";
export { SUPPORTED_OPS } from "./onnx-layers.js";
export { loadStateDict, toStateDict, type StateDictOptions } from "./state-dict.js";
