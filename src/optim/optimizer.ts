// Optimizers update the whole parameter slab in one kernel call: parameters,
// gradients and each state slot are contiguous regions of n floats.
import { ConfigError, describe } from "../errors.js";
import { checkOptionKeys, keysOf } from "../options.js";
import { adamUpdate, copyFloats, sgdUpdate } from "../ops/optimizer-update.js";
import { getEngine } from "../wasm/module.js";
import { checkSchedule, learningRateAt, type LearningRateSchedule } from "./schedules.js";

/**
 * Gradient clipping, as Keras's optimizer arguments clipnorm, clipvalue and
 * global_clipnorm: applied to the gradients before each update (before weight
 * decay, as Keras and torch.nn.utils.clip_grad_norm_ then an optimizer step).
 * At most one may be set. A gradient within its bound is left unchanged.
 */
export interface ClipConfig {
  /** Each parameter tensor's gradient scaled down to an L2 norm of at most this (Keras clipnorm). Default: none. */
  clipNorm?: number;
  /** Each gradient value clamped to [−clipValue, clipValue] (Keras clipvalue). Default: none. */
  clipValue?: number;
  /** All gradients scaled down together to a joint L2 norm of at most this (Keras global_clipnorm). Default: none. */
  globalClipNorm?: number;
}

const CLIP_KEYS = ["clipNorm", "clipValue", "globalClipNorm"] as const;

/** Adam (Kingma and Ba), or AdamW with decoupled weight decay (Loshchilov and Hutter), as PyTorch computes them. */
export interface AdamConfig extends ClipConfig {
  /**  "adamw";|"adam", or "adamw" for decoupled weight decay. */
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

/** Stochastic gradient descent, with momentum and Nesterov momentum as PyTorch's SGD. */
export interface SgdConfig extends ClipConfig {
  /** The optimizer. */
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

/** An optimizer and its settings, as a model's `optimizer` option. Default { name: "adam", learningRate: 1e-3 }. */
export type OptimizerConfig = AdamConfig | SgdConfig;

/** The slab regions an optimizer step reads and writes. */
export interface ParamRegions {
  params: number;
  grads: number;
  state: readonly number[];
  count: number;
  /**
   * u32 table of tensors + 1 float offsets into each region: tensor t spans
   * [bounds[t], bounds[t + 1]) (clipNorm's tensors). Without it the region is one tensor.
   */
  bounds?: number;
  tensors?: number;
}

type Settings<C> = Required<Omit<C, keyof ClipConfig>> & ClipConfig;

export interface Optimizer {
  /** Normalized settings with every default filled in, as saved with a model. */
  readonly config: Settings<AdamConfig> | Settings<SgdConfig>;
  /** Floats of state per parameter (regions the slab must provide). */
  readonly stateSlots: number;
  /** Steps taken so far (restored with a saved optimizer state). */
  steps: number;
  /** The rate of the latest step (before any, of the first). */
  readonly learningRate: number;
  /**
   * A constant rate that replaces the configured one from the next step on
   * (what Keras's ReduceLROnPlateau does); only for a constant learningRate,
   * not a schedule. Saved with the optimizer state.
   */
  setLearningRate(lr: number): void;
  /** The rate set by setLearningRate, or null when the configured one applies. */
  readonly learningRateOverride: number | null;
  /**
   * One update of every parameter; returns the index of the first parameter it
   * made non-finite, or -1. keep ≠ 0: the address of (1 + stateSlots)·count
   * floats that receive the parameters and then each state slot as they were
   * before this update (the layout of ParamSlab's "update" snapshot).
   */
  step(regions: ParamRegions, keep?: number): number;
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

/** The clipping settings of a user config: each given one positive and finite, at most one given. */
function checkClip(c: ClipConfig): ClipConfig {
  const given = CLIP_KEYS.filter((k) => c[k] !== undefined);
  if (given.length > 1) throw new ConfigError(`optimizer: expected at most one of clipNorm, clipValue and globalClipNorm (as Keras), found ${given.join(" and ")}`);
  if (given.length === 0) return {};
  const key = given[0]!;
  const value = c[key];
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`optimizer: expected ${key} to be a positive finite number, found ${describe(value)}`);
  }
  return { [key]: value };
}

/** Clips the gradients in place as the settings say; one kernel call over the gradient region. */
function clipGradients(c: ClipConfig, { grads, count, bounds, tensors }: ParamRegions): void {
  const k = getEngine().kernels;
  if (c.clipNorm !== undefined && bounds !== undefined) k.f32_clip_norm_each(grads, bounds, tensors ?? 0, c.clipNorm);
  else if (c.clipNorm !== undefined) k.f32_clip_global_norm(grads, count, c.clipNorm);
  else if (c.globalClipNorm !== undefined) k.f32_clip_global_norm(grads, count, c.globalClipNorm);
  else if (c.clipValue !== undefined) k.f32_clip_value(grads, count, c.clipValue);
}

/** What Adam and SGD share: the step count, the rate of each step and its override. */
abstract class RatedOptimizer {
  steps = 0;
  private override: number | null = null;
  abstract readonly config: { learningRate: number | LearningRateSchedule };

  get learningRate(): number {
    return this.rateOf(Math.max(0, this.steps - 1));
  }

  get learningRateOverride(): number | null {
    return this.override;
  }

  setLearningRate(lr: number): void {
    if (typeof this.config.learningRate !== "number") {
      throw new ConfigError("optimizer: a learning-rate schedule cannot be replaced by a constant rate (reduceLROnPlateau needs a constant learningRate)");
    }
    this.override = positive(lr, "learningRate", 0);
  }

  /** The rate of the update after `steps` earlier ones. */
  protected rateOf(steps: number): number {
    const rate = this.override ?? this.config.learningRate;
    return typeof rate === "number" ? rate : learningRateAt(rate, steps);
  }
}

class Adam extends RatedOptimizer implements Optimizer {
  readonly stateSlots = 2;
  constructor(readonly config: Settings<AdamConfig>) {
    super();
  }

  step(regions: ParamRegions, keep = 0): number {
    const { params, grads, state, count } = regions;
    const c = this.config;
    clipGradients(c, regions);
    const lr = this.rateOf(this.steps);
    this.steps++;
    return adamUpdate(params, grads, state[0]!, state[1]!, count, lr, c.beta1, c.beta2,
      c.epsilon, c.weightDecay, c.name === "adamw" ? 1 : 0, this.steps, keep);
  }
}

class Sgd extends RatedOptimizer implements Optimizer {
  constructor(readonly config: Settings<SgdConfig>) {
    super();
  }

  get stateSlots(): number {
    return this.config.momentum > 0 ? 1 : 0;
  }

  step(regions: ParamRegions, keep = 0): number {
    const { params, grads, state, count } = regions;
    const c = this.config;
    clipGradients(c, regions);
    const lr = this.rateOf(this.steps);
    this.steps++;
    if (keep !== 0) [params, ...state].forEach((ptr, i) => copyFloats(keep + i * count * 4, ptr, count));
    return sgdUpdate(params, grads, state[0] ?? 0, count, lr, c.momentum, c.weightDecay, c.nesterov ? 1 : 0);
  }
}

const ADAM_KEYS = /* @__PURE__ */ keysOf<AdamConfig>({
  name: true, learningRate: true, beta1: true, beta2: true, epsilon: true, weightDecay: true, clipNorm: true, clipValue: true, globalClipNorm: true,
});
const SGD_KEYS = /* @__PURE__ */ keysOf<SgdConfig>({
  name: true, learningRate: true, momentum: true, nesterov: true, weightDecay: true, clipNorm: true, clipValue: true, globalClipNorm: true,
});

/** Builds an optimizer from user settings, validating every field. */
export function createOptimizer(config: OptimizerConfig | "adam" | "adamw" | "sgd" | undefined): Optimizer {
  const c = (typeof config === "string" ? { name: config } : config ?? { name: "adam" }) as OptimizerConfig;
  if (typeof c !== "object" || c === null) throw new ConfigError(`optimizer: expected "adam", "adamw", "sgd" or an object with a name, found ${describe(config)}`);
  if (c.name === "adam" || c.name === "adamw") {
    checkOptionKeys("optimizer", c, ADAM_KEYS);
    return new Adam({
      ...checkClip(c),
      name: c.name,
      learningRate: rate(c.learningRate, 1e-3),
      beta1: fraction(c.beta1, "beta1", 0.9),
      beta2: fraction(c.beta2, "beta2", 0.999),
      epsilon: positive(c.epsilon, "epsilon", 1e-8),
      weightDecay: positive(c.weightDecay, "weightDecay", c.name === "adamw" ? 0.01 : 0, true),
    });
  }
  if (c.name === "sgd") {
    checkOptionKeys("optimizer", c, SGD_KEYS);
    return new Sgd({
      ...checkClip(c),
      name: "sgd",
      learningRate: rate(c.learningRate, 0.01),
      momentum: fraction(c.momentum, "momentum", 0),
      nesterov: Boolean(c.nesterov),
      weightDecay: positive(c.weightDecay, "weightDecay", 0, true),
    });
  }
  throw new ConfigError(`optimizer: unknown name ${describe((c as { name?: unknown }).name)}; expected "adam", "adamw" or "sgd"`);
}
