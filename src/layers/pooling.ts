// 2×2 max pooling and ×2 nearest upsampling on NHWC images.
import { ShapeError } from "../errors.js";
import { maxPool2d, upSampling2d } from "../ops/pool.js";
import { reshape } from "../ops/reshape.js";
import type { Tensor } from "../ops/tensor.js";
import type { ForwardContext, Layer } from "./layer.js";
import { shapeText } from "../shape.js";

/** 2×2 max pooling with stride 2 over NHWC images: what `layers.maxPool2d()` returns. */
export interface MaxPool2dSpec {
  /** The layer kind. */
  type: "maxPool2d";
}

/** 2×2 nearest-neighbour upsampling of NHWC images: what `layers.upSampling2d()` returns. */
export interface UpSampling2dSpec {
  /** The layer kind. */
  type: "upSampling2d";
}

export const maxPool2dLayer = (): MaxPool2dSpec => ({ type: "maxPool2d" });
export const upSampling2dLayer = (): UpSampling2dSpec => ({ type: "upSampling2d" });

export class Pooling implements Layer {
  readonly params = [];
  readonly endsWithSigmoid = false;
  readonly outputShape: readonly number[];

  constructor(readonly spec: MaxPool2dSpec | UpSampling2dSpec, readonly name: string, readonly inputShape: readonly number[]) {
    const where = `${name} (${spec.type})`;
    if (inputShape.length !== 3) throw new ShapeError(`${where}: expected an input of shape [height, width, channels], found ${shapeText(inputShape)}`);
    const [h, w, c] = inputShape as [number, number, number];
    if (spec.type === "maxPool2d") {
      if (h < 2 || w < 2) throw new ShapeError(`${where}: expected an input of at least 2×2, found ${shapeText(inputShape)}`);
      this.outputShape = [h >> 1, w >> 1, c];
    } else {
      this.outputShape = [2 * h, 2 * w, c];
    }
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const image = x.shape.length === 4 ? x : reshape(ctx.tape, x, [x.rows, ...this.inputShape]);
    return this.spec.type === "maxPool2d" ? maxPool2d(ctx.tape, image) : upSampling2d(ctx.tape, image);
  }
}
