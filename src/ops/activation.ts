// y = f(x) for the element-wise activations, and the backward from y.
import { ConfigError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";

export const ACTIVATIONS = ["linear", "relu", "leakyRelu", "sigmoid", "tanh", "softplus"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Keras' default slope for LeakyReLU. */
export const DEFAULT_LEAKY_ALPHA = 0.3;

const ALIASES: Record<string, Activation> = { identity: "linear", none: "linear", leaky_relu: "leakyRelu", leakyrelu: "leakyRelu" };

/** Validates an activation name (or alias) from user input. */
export function parseActivation(name: unknown, where: string): Activation {
  if (name === undefined || name === null) return "linear";
  if (typeof name === "string") {
    if ((ACTIVATIONS as readonly string[]).includes(name)) return name as Activation;
    const alias = ALIASES[name.toLowerCase()];
    if (alias) return alias;
  }
  throw new ConfigError(`${where}: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(", ")}`);
}

export function activation(tape: Tape | null, x: Tensor, kind: Activation, alpha = DEFAULT_LEAKY_ALPHA): Tensor {
  if (kind === "linear") return x;
  const { kernels: k, arena } = getEngine();
  const requiresGrad = tape !== null && x.requiresGrad;
  const y = new Tensor(arena.scratch(x.size * 4), x.shape, requiresGrad);
  const n = x.size;
  switch (kind) {
    case "relu": k.f32_relu(y.ptr, x.ptr, n); break;
    case "leakyRelu": k.f32_leaky_relu(y.ptr, x.ptr, alpha, n); break;
    case "sigmoid": k.f32_sigmoid(y.ptr, x.ptr, n); break;
    case "tanh": k.f32_tanh(y.ptr, x.ptr, n); break;
    case "softplus": k.f32_softplus(y.ptr, x.ptr, n); break;
  }
  if (requiresGrad) tape!.record(() => activationBackward(tape!, x, y, kind, alpha));
  return y;
}

function activationBackward(tape: Tape, x: Tensor, y: Tensor, kind: Activation, alpha: number): void {
  const dy = tape.gradOf(y);
  if (!dy) return;
  const k = getEngine().kernels;
  const dx = tape.gradTarget(x);
  const n = x.size;
  switch (kind) {
    case "relu": k.f32_relu_backward(dx.ptr, dy.ptr, y.ptr, n, dx.accumulate); break;
    case "leakyRelu": k.f32_leaky_relu_backward(dx.ptr, dy.ptr, y.ptr, alpha, n, dx.accumulate); break;
    case "sigmoid": k.f32_sigmoid_backward(dx.ptr, dy.ptr, y.ptr, n, dx.accumulate); break;
    case "tanh": k.f32_tanh_backward(dx.ptr, dy.ptr, y.ptr, n, dx.accumulate); break;
    case "softplus": k.f32_softplus_backward(dx.ptr, dy.ptr, y.ptr, n, dx.accumulate); break;
  }
}
