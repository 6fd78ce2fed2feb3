// A tensor in the wasm memory: a pointer and a shape. Data never leaves the
// memory during a step; `grad` points at its gradient once one is written.
import { sizeOf } from "../shape.js";

export class Tensor {
  /** Gradient of the step's loss with respect to this tensor, once a backward wrote it. */
  grad: Tensor | null = null;
  readonly size: number;

  constructor(
    readonly ptr: number,
    readonly shape: readonly number[],
    /** True for parameters and for everything computed from them while recording. */
    readonly requiresGrad = false,
  ) {
    this.size = sizeOf(shape);
  }

  /** Rows × columns when the tensor is read as a matrix of samples. */
  get rows(): number {
    return this.shape[0] ?? 1;
  }

  get cols(): number {
    return this.shape[0] ? this.size / this.shape[0] : 0;
  }
}
