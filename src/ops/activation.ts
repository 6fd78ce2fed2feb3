// y = f(x) for the element-wise activations, and the backward from y.
import { ConfigError, describe } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import { poolFor, splitRange } from "./parallel.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";

/** The activations a layer may name. */
export const ACTIVATIONS = ["linear", "relu", "leakyRelu", "sigmoid", "tanh", "softplus"] as const;
/** An activation by name: "linear" (the identity), "relu", "leakyRelu" (slope 0.3 below 0 unless set), "sigmoid", "tanh", "softplus". */
export type Activation = (typeof ACTIVATIONS)[number];

/** Keras' default slope for LeakyReLU. */
export const DEFAULT_LEAKY_ALPHA = 0.3;

// A Map, not an object literal: a name such as "constructor" or "__proto__"
// must not find Object.prototype's members.
const ALIASES = new Map<string, Activation>([["identity", "linear"], ["none", "linear"], ["leaky_relu", "leakyRelu"], ["leakyrelu", "leakyRelu"]]);

/** Validates an activation name (or alias) from user input. */
export function parseActivation(name: unknown, where: string): Activation {
  if (name === undefined || name === null) return "linear";
  if (typeof name === "string") {
    if ((ACTIVATIONS as readonly string[]).includes(name)) return name as Activation;
    const alias = ALIASES.get(name.toLowerCase());
    if (alias) return alias;
  }
  throw new ConfigError(`${where}: unknown activation ${describe(name)}; expected one of ${ACTIVATIONS.join(", ")}`);
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
    case "sigmoid": case "tanh": case "softplus": transcendental(kind, y.ptr, x.ptr, n); break;
  }
  if (requiresGrad) tape!.record(() => activationBackward(tape!, x, y, kind, alpha));
  return y;
}

/**
 * One of these takes about as long an element as 25 multiply-adds of a large
 * product (sigmoid: 1.3 ns an element on one core here, with its exp), so
 * a call is counted as that much work against the split threshold.
 */
const TRANSCENDENTAL_WORK_PER_ELEMENT = 25;
/** Ranges start at multiples of 16 elements: every range but the last runs the kernel's vector loop alone, as the whole call does there. */
const ELEMENT_ALIGN = 16;

/** y = f(x) for sigmoid, tanh or softplus, split over the threads by element ranges when large. */
function transcendental(kind: "sigmoid" | "tanh" | "softplus", y: number, x: number, n: number): void {
  const name = kind === "sigmoid" ? "f32_sigmoid" : kind === "tanh" ? "f32_tanh" : "f32_softplus";
  const pool = poolFor(n * TRANSCENDENTAL_WORK_PER_ELEMENT);
  if (pool === null) getEngine().kernels[name](y, x, n);
  else pool.run(name, splitRange(n, pool.threads, ELEMENT_ALIGN).map(([s, e]) => [y + 4 * s, x + 4 * s, e - s]));
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

// ---- an activation fused into the op that writes its input ----------------
// A convolution can pass its output z through relu or leaky relu as it
// writes it (its kernel's epilogue, with activation()'s bits), so only
// y = f(z) exists. Its backward needs dz = f'(z)·dy. An op whose backward
// writes the gradient of such a y (the next layer's input gradient) may apply
// the ReLU mask as it writes, into z's gradient; whatever reaches y's own
// gradient is passed through the activation's backward by the fused op.
// mask(a) + mask(b) = mask(a + b) bit for bit (where y ≤ 0 both are +0), so
// masked writers give the unfused bits, however many; unmasked ones are added
// after them, which is the unfused order while y has at most two consumers
// (a layer stack has one). Leaky relu's backward does not distribute over a
// sum, so nothing masks for it: it always runs as a pass. The gradient of y
// itself then holds only what unmasked writers added: read dz, not dy.

/** An activation a convolution kernel can apply as it writes its output. */
export interface FusedActivation {
  kind: "relu" | "leakyRelu";
  alpha: number;
}

/** The kernels' epilogue codes (assembly/tile.ts EPI_*). */
export const EPILOGUE = { none: 0, relu: 1, leakyRelu: 2, mask: 3 } as const;

/** The fusable form of an activation, or null (linear, sigmoid, tanh, softplus run as their own op). */
export function fusedActivation(kind: Activation, alpha = DEFAULT_LEAKY_ALPHA): FusedActivation | null {
  return kind === "relu" || kind === "leakyRelu" ? { kind, alpha } : null;
}

const fusedOutputs = new WeakMap<Tensor, { z: Tensor; act: FusedActivation }>();

/**
 * Registers y = act(z), written by a fused op being recorded; returns the
 * stand-in for z (no data: only its gradient is used), whose gradient the
 * op's backward reads through preActivationGrad.
 */
export function recordFused(y: Tensor, act: FusedActivation): Tensor {
  const z = new Tensor(y.ptr, y.shape);
  fusedOutputs.set(y, { z, act });
  return z;
}

/**
 * Where a backward writes the gradient of its input x: x's gradient (mask 0),
 * or, when x is a fused ReLU's output, its pre-activation's gradient, which
 * the writer must mask by x (mask = x.ptr: keep where x > 0, else +0).
 */
export function inputGradTarget(tape: Tape, x: Tensor): { ptr: number; accumulate: 0 | 1; mask: number } {
  const fused = fusedOutputs.get(x);
  if (fused && fused.act.kind === "relu") return { ...tape.gradTarget(fused.z), mask: x.ptr };
  return { ...tape.gradTarget(x), mask: 0 };
}

/** dz of a fused op: y's own gradient (if any) through the activation's backward, added to what masked writers left; null if nothing reached y. */
export function preActivationGrad(tape: Tape, y: Tensor, z: Tensor, act: FusedActivation): Tensor | null {
  const dy = tape.gradOf(y);
  if (dy) {
    const k = getEngine().kernels;
    const dz = tape.gradTarget(z);
    if (act.kind === "relu") k.f32_relu_backward(dz.ptr, dy.ptr, y.ptr, y.size, dz.accumulate);
    else k.f32_leaky_relu_backward(dz.ptr, dy.ptr, y.ptr, act.alpha, y.size, dz.accumulate);
  }
  return tape.gradOf(z);
}

/** y = act(y) in place, for the paths whose kernel has no epilogue (a pointwise convolution's gemm). */
export function activateInPlace(y: number, n: number, act: FusedActivation): void {
  const k = getEngine().kernels;
  if (act.kind === "relu") k.f32_relu(y, y, n);
  else k.f32_leaky_relu(y, y, act.alpha, n);
}

/** g = g where mask > 0, else +0, in place: the ReLU mask for a writer without an epilogue. */
export function maskInPlace(g: number, mask: number, n: number): void {
  getEngine().kernels.f32_relu_backward(g, g, mask, n, 0);
}
