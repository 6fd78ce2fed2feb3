// A stack of layers: built from specs (shapes inferred, parameters declared),
// then run in order.
import { ConfigError } from "../errors.js";
import { buildLayer, type BuildContext, type ForwardContext, type Layer, type LayerSpec } from "../layers/index.js";
import type { Tensor } from "../ops/tensor.js";
import { checkLayer } from "./load-check.js";
import { shapeText, sizeOf } from "../shape.js";

export class Network {
  readonly layers: Layer[] = [];
  readonly outputShape: readonly number[];

  /** Builds `specs` on `inputShape`, declaring parameters and state through `ctx`. */
  constructor(readonly name: string, specs: readonly LayerSpec[], readonly inputShape: readonly number[], ctx: BuildContext) {
    if (!Array.isArray(specs)) throw new ConfigError(`${name}: expected an array of layers, found ${typeof specs}`);
    let shape = inputShape;
    specs.forEach((spec, i) => {
      const layer = buildLayer(spec, `${name}.${i}`, shape, ctx);
      this.layers.push(layer);
      shape = layer.outputShape;
      checkLayer(layer.name, shape);
    });
    this.outputShape = shape;
  }

  get endsWithSigmoid(): boolean {
    return this.layers[this.layers.length - 1]?.endsWithSigmoid ?? false;
  }

  /** Runs every layer; `ctx.logits` applies to the last layer only. */
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const last = this.layers.length - 1;
    let y = x;
    this.layers.forEach((layer, i) => {
      y = layer.forward(y, i === last ? ctx : { ...ctx, logits: false });
    });
    return y;
  }
}

/** Rows of a Keras-style summary: layer, output shape, parameter count. */
export function summaryRows(network: Network): [string, string, number][] {
  return network.layers.map((layer) => [
    `${layer.name} (${layer.spec.type})`,
    shapeText(["N", ...layer.outputShape]),
    layer.params.reduce((n, p) => n + sizeOf(p.spec.shape), 0),
  ]);
}
