// Learning-rate schedules with Keras' formulas (keras.optimizers.schedules),
// as plain JSON objects so a model file keeps them: give one as an
// optimizer's learningRate and each step's rate is learningRateAt(schedule,
// step), step being the optimizer's count of updates before this one (0 for
// the first). Transcendentals come from our wasm (exp, log) or from + − × ÷
// alone (cos), never from the host's Math, so every runtime gets the same bits.
import { ConfigError } from "../errors.js";
import { getEngine } from "../wasm/module.js";

/** Keras's ExponentialDecay as data: made by exponentialDecay(), given as an optimizer's learningRate. */
export interface ExponentialDecay {
  /** The schedule kind. */
  schedule: "exponentialDecay";
  /** The rate at step 0. */
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by decayRate once. */
  decaySteps: number;
  /** The factor per decaySteps steps. */
  decayRate: number;
  /** Decay in whole intervals of decaySteps (floor of the exponent). Default false. */
  staircase?: boolean;
}

/** Keras's CosineDecay (with its optional linear warm-up) as data: made by cosineDecay(). */
export interface CosineDecay {
  /** The schedule kind. */
  schedule: "cosineDecay";
  /** The rate at step 0 (the peak without a warm-up target). */
  initialLearningRate: number;
  /** Steps of the cosine, after the warm-up. */
  decaySteps: number;
  /** The final rate as a fraction of the peak. Default 0. */
  alpha?: number;
  /** Steps of the linear warm-up from initialLearningRate to warmupTarget. Default 0. */
  warmupSteps?: number;
  /** The peak rate reached after the warm-up. Default: no warm-up target (the peak is initialLearningRate). */
  warmupTarget?: number;
}

/** Keras's PiecewiseConstantDecay as data: made by piecewiseConstant(). */
export interface PiecewiseConstant {
  /** The schedule kind. */
  schedule: "piecewiseConstant";
  /** Increasing steps where the rate changes. */
  boundaries: number[];
  /** One more value than boundaries: values[i] while step ≤ boundaries[i], the last after. */
  values: number[];
}

/** A learning rate that changes with the step: one of the three schedules, saved with the model. */
export type LearningRateSchedule = ExponentialDecay | CosineDecay | PiecewiseConstant;

/** lr₀ · rate^(step / decaySteps), the exponent floored with `staircase` (Keras ExponentialDecay). */
export function exponentialDecay(options: Omit<ExponentialDecay, "schedule">): ExponentialDecay {
  return checkSchedule({ schedule: "exponentialDecay", ...options }) as ExponentialDecay;
}

/**
 * Keras CosineDecay: a linear warm-up over warmupSteps from
 * initialLearningRate to warmupTarget, then peak · ((1 − α)·½(1 + cos(π·t/decaySteps)) + α)
 * with t = min(step − warmupSteps, decaySteps).
 */
export function cosineDecay(options: Omit<CosineDecay, "schedule">): CosineDecay {
  return checkSchedule({ schedule: "cosineDecay", ...options }) as CosineDecay;
}

/** Keras PiecewiseConstantDecay: values[0] up to boundaries[0], values[1] up to boundaries[1], …, the last value after. */
export function piecewiseConstant(options: Omit<PiecewiseConstant, "schedule">): PiecewiseConstant {
  return checkSchedule({ schedule: "piecewiseConstant", ...options }) as PiecewiseConstant;
}

const fail = (s: { schedule?: unknown }, reason: string) => new ConfigError(`learning-rate schedule ${JSON.stringify(s.schedule)}: ${reason}`);

function number(s: LearningRateSchedule, name: string, value: unknown, ok: (v: number) => boolean, what: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) throw fail(s, `expected ${name} to be ${what}, found ${JSON.stringify(value)}`);
}

/** Validates a schedule (from a user or a model file) and returns it. */
export function checkSchedule(value: unknown): LearningRateSchedule {
  if (typeof value !== "object" || value === null) throw new ConfigError(`learning-rate schedule: expected an object, found ${JSON.stringify(value)}`);
  const s = value as LearningRateSchedule;
  const positive = (v: number) => v > 0;
  if (s.schedule === "exponentialDecay") {
    number(s, "initialLearningRate", s.initialLearningRate, positive, "a positive number");
    number(s, "decaySteps", s.decaySteps, positive, "a positive number");
    number(s, "decayRate", s.decayRate, positive, "a positive number");
    if (s.staircase !== undefined && typeof s.staircase !== "boolean") throw fail(s, `expected staircase to be true or false, found ${JSON.stringify(s.staircase)}`);
  } else if (s.schedule === "cosineDecay") {
    number(s, "initialLearningRate", s.initialLearningRate, (v) => v >= 0, "a number >= 0");
    number(s, "decaySteps", s.decaySteps, positive, "a positive number");
    if (s.alpha !== undefined) number(s, "alpha", s.alpha, (v) => v >= 0 && v <= 1, "in [0, 1]");
    if (s.warmupSteps !== undefined) number(s, "warmupSteps", s.warmupSteps, (v) => Number.isInteger(v) && v >= 0, "an integer >= 0");
    if (s.warmupTarget !== undefined) number(s, "warmupTarget", s.warmupTarget, positive, "a positive number");
    if ((s.warmupSteps ?? 0) > 0 && s.warmupTarget === undefined) throw fail(s, "warmupSteps needs a warmupTarget (the peak rate)");
  } else if (s.schedule === "piecewiseConstant") {
    const { boundaries: b, values: v } = s;
    if (!Array.isArray(b) || !Array.isArray(v) || v.length !== b.length + 1) {
      throw fail(s, `expected boundaries (n steps) and values (n + 1 rates), found ${Array.isArray(b) ? b.length : typeof b} and ${Array.isArray(v) ? v.length : typeof v}`);
    }
    b.forEach((x, i) => number(s, `boundaries[${i}]`, x, (y) => y >= 0 && (i === 0 || y > b[i - 1]!), "a step above the one before"));
    v.forEach((x, i) => number(s, `values[${i}]`, x, positive, "a positive number"));
  } else {
    throw new ConfigError(`learning-rate schedule: unknown schedule ${JSON.stringify((s as { schedule?: unknown }).schedule)}; expected "exponentialDecay", "cosineDecay" or "piecewiseConstant"`);
  }
  return s;
}

/** cos(π·t) for t in [0, 1] from + − × ÷ alone: a Taylor series on [0, π/2], |error| < 1e-16. */
function cosPi(t: number): number {
  const flip = t > 0.5;
  const x = Math.PI * (flip ? 1 - t : t);
  const x2 = x * x;
  // Terms up to x^24/24!: the first left out, (π/2)^26/26!, is below 1e-17.
  let c = 1;
  for (let k = 12; k >= 1; k--) c = 1 - (x2 / ((2 * k - 1) * (2 * k))) * c;
  return flip ? -c : c;
}

/** base^exponent for base > 0 through our wasm's exp and log (f32: about 1e-7 relative). */
function power(base: number, exponent: number): number {
  if (exponent === 0) return 1;
  const { kernels, arena } = getEngine();
  return arena.scoped(() => {
    const p = arena.scratch(4);
    arena.f32[p >>> 2] = base;
    kernels.f32_log(p, p, 1);
    arena.f32[p >>> 2] = arena.f32[p >>> 2]! * exponent;
    kernels.f32_exp(p, p, 1);
    return arena.f32[p >>> 2]!;
  });
}

/** The rate of the update after `step` earlier ones. */
export function learningRateAt(s: LearningRateSchedule, step: number): number {
  if (s.schedule === "exponentialDecay") {
    const p = step / s.decaySteps;
    return s.initialLearningRate * power(s.decayRate, s.staircase ? Math.floor(p) : p);
  }
  if (s.schedule === "cosineDecay") {
    const warmup = s.warmupSteps ?? 0;
    if (step < warmup) return s.initialLearningRate + ((s.warmupTarget! - s.initialLearningRate) * step) / warmup;
    const peak = s.warmupTarget ?? s.initialLearningRate;
    const t = Math.min(step - warmup, s.decaySteps) / s.decaySteps;
    const alpha = s.alpha ?? 0;
    return peak * ((1 - alpha) * 0.5 * (1 + cosPi(t)) + alpha);
  }
  const i = s.boundaries.findIndex((b) => step <= b);
  return s.values[i < 0 ? s.values.length - 1 : i]!;
}
