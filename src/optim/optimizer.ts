// Optimizers update the whole parameter slab in one kernel call: parameters,
// gradients and each state slot are contiguous regions of n floats.
import { ConfigError, describe } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import { checkSchedule, learningRateAt, type LearningRateSchedule } from "./schedules.js";

export interface AdamConfig {
  name: "adam" | "adamw";
  /** Step size, or a schedule of it per step (src/optim/schedules.ts). Default 1e-3. */
  learningRate?: number | LearningRateSchedule;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Added to √v̂. Default 1e-8 (PyTorch; Keras uses 1e-7). */
  epsilon?: number;
  /** Weight decay: decoupled for "adamw" (default 0.01), L2 added to the gradient for "adam" (default 0). */
  weightDecay?: number;
}

export interface SgdConfig {
  name: "sgd";
  /** Step size, or a schedule of it per step (src/optim/schedules.ts). Default 0.01. */
  learningRate?: number | LearningRateSchedule;
  /** Momentum μ. Default 0. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient. Default 0. */
  weightDecay?: number;
}

export type OptimizerConfig = AdamConfig | SgdConfig;

/** The slab regions an optimizer step reads and writes. */
export interface ParamRegions {
  params: number;
  grads: number;
  state: readonly number[];
  count: number;
}

export interface Optimizer {
  /** Normalized settings with every default filled in, as saved with a model. */
  readonly config: Required<AdamConfig> | Required<SgdConfig>;
  /** Floats of state per parameter (regions the slab must provide). */
  readonly stateSlots: number;
  /** Steps taken so far (restored with a saved optimizer state). */
  steps: number;
  /** The rate of the latest step (before any, of the first). */
  readonly learningRate: number;
  /** One update of every parameter; returns the index of the first parameter it made non-finite, or -1. */
  step(regions: ParamRegions): number;
}

function positive(value: unknown, name: string, fallback: number, allowZero = false): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new ConfigError(`optimizer: expected ${name} to be a ${allowZero ? "non-negative" : "positive"} number, found ${describe(value)}`);
  }
  return v;
}

function rate(value: unknown, fallback: number): number | LearningRateSchedule {
  return typeof value === "object" && value !== null ? checkSchedule(value) : positive(value, "learningRate", fallback);
}

function fraction(value: unknown, name: string, fallback: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !(v >= 0 && v < 1)) {
    throw new ConfigError(`optimizer: expected ${name} in [0, 1), found ${describe(value)}`);
  }
  return v;
}

/** The rate of the update after `steps` earlier ones. */
const rateAt = (rate: number | LearningRateSchedule, steps: number): number => (typeof rate === "number" ? rate : learningRateAt(rate, steps));

class Adam implements Optimizer {
  readonly stateSlots = 2;
  steps = 0;
  constructor(readonly config: Required<AdamConfig>) {}

  get learningRate(): number {
    return rateAt(this.config.learningRate, Math.max(0, this.steps - 1));
  }

  step({ params, grads, state, count }: ParamRegions): number {
    const c = this.config;
    const lr = rateAt(c.learningRate, this.steps);
    this.steps++;
    return getEngine().kernels.f32_adam_step(params, grads, state[0]!, state[1]!, count, lr, c.beta1, c.beta2,
      c.epsilon, c.weightDecay, c.name === "adamw" ? 1 : 0, this.steps);
  }
}

class Sgd implements Optimizer {
  steps = 0;
  constructor(readonly config: Required<SgdConfig>) {}

  get stateSlots(): number {
    return this.config.momentum > 0 ? 1 : 0;
  }

  get learningRate(): number {
    return rateAt(this.config.learningRate, Math.max(0, this.steps - 1));
  }

  step({ params, grads, state, count }: ParamRegions): number {
    const c = this.config;
    const lr = rateAt(c.learningRate, this.steps);
    this.steps++;
    return getEngine().kernels.f32_sgd_step(params, grads, state[0] ?? 0, count, lr, c.momentum, c.weightDecay, c.nesterov ? 1 : 0);
  }
}

/** Builds an optimizer from user settings, validating every field. */
export function createOptimizer(config: OptimizerConfig | "adam" | "adamw" | "sgd" | undefined): Optimizer {
  const c = (typeof config === "string" ? { name: config } : config ?? { name: "adam" }) as OptimizerConfig;
  if (c.name === "adam" || c.name === "adamw") {
    return new Adam({
      name: c.name,
      learningRate: rate(c.learningRate, 1e-3),
      beta1: fraction(c.beta1, "beta1", 0.9),
      beta2: fraction(c.beta2, "beta2", 0.999),
      epsilon: positive(c.epsilon, "epsilon", 1e-8),
      weightDecay: positive(c.weightDecay, "weightDecay", c.name === "adamw" ? 0.01 : 0, true),
    });
  }
  if (c.name === "sgd") {
    return new Sgd({
      name: "sgd",
      learningRate: rate(c.learningRate, 0.01),
      momentum: fraction(c.momentum, "momentum", 0),
      nesterov: Boolean(c.nesterov),
      weightDecay: positive(c.weightDecay, "weightDecay", 0, true),
    });
  }
  throw new ConfigError(`optimizer: unknown name ${describe((c as { name?: unknown }).name)}; expected "adam", "adamw" or "sgd"`);
}
