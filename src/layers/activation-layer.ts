// An activation as a layer of its own: layers.activation("tanh"), layers.leakyRelu(0.2).
import { activation, parseActivation, type Activation } from "../ops/activation.js";
import type { Tensor } from "../ops/tensor.js";
import type { ForwardContext, Layer } from "./layer.js";

/** An activation on its own, after a layer without one: what `layers.activation` and `layers.leakyRelu` return. */
export interface ActivationSpec {
  /** The layer kind. */
  type: "activation";
  /** The function applied to every value. */
  activation: Activation;
  /** Slope of leakyRelu for x < 0. Default 0.3 (Keras). */
  alpha?: number;
}

export function activationLayer(name: Activation, alpha?: number): ActivationSpec {
  return alpha === undefined ? { type: "activation", activation: name } : { type: "activation", activation: name, alpha };
}

export const leakyRelu = (alpha?: number): ActivationSpec => activationLayer("leakyRelu", alpha);

export class ActivationLayer implements Layer {
  readonly params = [];
  readonly outputShape: readonly number[];
  readonly endsWithSigmoid: boolean;
  private readonly kind: Activation;

  constructor(readonly spec: ActivationSpec, readonly name: string, readonly inputShape: readonly number[]) {
    this.kind = parseActivation(spec.activation, `${name} (activation)`);
    this.outputShape = inputShape;
    this.endsWithSigmoid = this.kind === "sigmoid";
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    if (ctx.logits && this.endsWithSigmoid) return x;
    return activation(ctx.tape, x, this.kind, this.spec.alpha);
  }
}
