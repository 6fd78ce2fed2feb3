// Axis permutation of a row-major float tensor (the layout changes between ONNX and ours).
import { sizeOf } from "../shape.js";

/** Permutes a row-major tensor of `shape` by `perm` (out axis i = in axis perm[i]). */
export function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const out = new Float32Array(data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += index[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = perm.length - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}
