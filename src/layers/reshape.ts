// Shape-only layers: flatten() to [features], reshape(shape) to any shape of the same size.
import { ConfigError, describe, ShapeError } from "../errors.js";
import { reshape } from "../ops/reshape.js";
import type { Tensor } from "../ops/tensor.js";
import type { ForwardContext, Layer } from "./layer.js";
import { shapeText, sizeOf } from "../shape.js";

/** Flattens each sample to one axis: what `layers.flatten()` returns. */
export interface FlattenSpec {
  /** The layer kind. */
  type: "flatten";
}

/** Gives each sample a new shape of the same size: what `layers.reshape(shape)` returns. */
export interface ReshapeSpec {
  /** The layer kind. */
  type: "reshape";
  /** Target shape of one sample; one entry may be -1 (inferred). */
  shape: number[];
}

export const flatten = (): FlattenSpec => ({ type: "flatten" });
export const reshapeLayer = (shape: number[]): ReshapeSpec => ({ type: "reshape", shape: [...shape] });

export class Reshape implements Layer {
  readonly params = [];
  readonly endsWithSigmoid = false;
  readonly outputShape: readonly number[];

  constructor(readonly spec: FlattenSpec | ReshapeSpec, readonly name: string, readonly inputShape: readonly number[]) {
    const size = sizeOf(inputShape);
    if (spec.type === "flatten") {
      this.outputShape = [size];
      return;
    }
    const target = spec.shape;
    if (!Array.isArray(target) || target.length === 0 || target.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || target.filter((d) => d === -1).length > 1) {
      throw new ConfigError(`${name} (reshape): expected a shape of positive integers with at most one -1, found ${describe(target)}`);
    }
    const known = sizeOf(target.filter((d) => d !== -1));
    const resolved = target.map((d) => (d === -1 ? size / known : d));
    if (sizeOf(resolved) !== size || resolved.some((d) => !Number.isInteger(d))) {
      throw new ShapeError(`${name} (reshape): input ${shapeText(inputShape)} has ${size} values, target ${shapeText(target)} has ${target.includes(-1) ? "no whole size" : known}`);
    }
    this.outputShape = resolved;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return reshape(ctx.tape, x, [x.rows, ...this.outputShape]);
  }
}
