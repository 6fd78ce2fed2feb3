// Dropout: in training, each value is zeroed with probability `rate` and the
// rest scaled by 1/(1 − rate); at inference it passes values through.
import { ConfigError, describe } from "../errors.js";
import { dropout } from "../ops/dropout.js";
import { STREAM } from "../ops/streams.js";
import type { Tensor } from "../ops/tensor.js";
import type { ForwardContext, Layer } from "./layer.js";

/** Dropout in training (inverted: kept values are scaled by 1/(1 − rate)), the identity at inference: what `layers.dropout(rate)` returns. */
export interface DropoutSpec {
  /** The layer kind. */
  type: "dropout";
  /** Fraction of values dropped in training, in [0, 1). */
  rate: number;
}

export const dropoutLayer = (rate: number): DropoutSpec => ({ type: "dropout", rate });

/** Dropout's random stream: STREAM.dropout in the high byte, a hash of the layer's name (FNV-1a) below. */
function streamOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return ((STREAM.dropout << 24) | (h & 0xffffff)) >>> 0;
}

export class Dropout implements Layer {
  readonly params = [];
  readonly endsWithSigmoid = false;
  readonly outputShape: readonly number[];
  private readonly stream: number;

  constructor(readonly spec: DropoutSpec, readonly name: string, readonly inputShape: readonly number[]) {
    if (typeof spec.rate !== "number" || !(spec.rate >= 0 && spec.rate < 1)) {
      throw new ConfigError(`${name} (dropout): expected rate in [0, 1), found ${describe(spec.rate)}`);
    }
    this.outputShape = inputShape;
    this.stream = streamOf(name);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return ctx.training ? dropout(ctx.tape, x, this.spec.rate, ctx.seed, this.stream, ctx.step) : x;
  }
}
