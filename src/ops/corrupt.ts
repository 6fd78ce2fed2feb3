// Input corruption for denoising autoencoders, applied to a batch outside the
// tape (the clean input stays the target). Draws are keyed by (seed, stream,
// counter), so a step's corruption is reproducible.
import { ConfigError, describe } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import { Tensor } from "./tensor.js";

/** Corruption of the inputs: Gaussian, masking, or salt and pepper; denoising training applies it to each batch from the seeded generator. */
export type NoiseConfig =
  /** x + N(0, stddev²), optionally clipped to [clip[0], clip[1]]. */
  | {
      /** Additive Gaussian noise. */
      type: "gaussian";
      /** Standard deviation of the noise, ≥ 0. */
      stddev: number;
      /** Clip the noisy values to [lo, hi]. Default: no clipping. */
      clip?: readonly [number, number];
    }
  /** Each input set to 0 with probability `rate` (masking noise). */
  | {
      /** Masking noise. */
      type: "mask";
      /** Probability that a value is set to 0, in [0, 1]. */
      rate: number;
    }
  /** Each input set to `low` (default 0) with probability rate/2 and to `high` (default 1) with probability rate/2. */
  | {
      /** Salt-and-pepper noise. */
      type: "saltPepper";
      /** Probability that a value is replaced, in [0, 1]. */
      rate: number;
      /** The pepper value. Default 0. */
      low?: number;
      /** The salt value. Default 1. */
      high?: number;
    };

/** Validates a noise config, naming the bad field. */
export function checkNoise(noise: NoiseConfig, where: string): NoiseConfig {
  const fail = (what: string, found: unknown) => new ConfigError(`${where}: expected ${what}, found ${describe(found)}`);
  if (!noise || typeof noise !== "object") throw fail("a noise config such as { type: \"gaussian\", stddev: 0.5 }", noise);
  switch (noise.type) {
    case "gaussian":
      if (typeof noise.stddev !== "number" || !(noise.stddev >= 0) || !Number.isFinite(noise.stddev)) throw fail("noise stddev >= 0", noise.stddev);
      if (noise.clip !== undefined && (!Array.isArray(noise.clip) || noise.clip.length !== 2 || !(noise.clip[0] <= noise.clip[1]))) {
        throw fail("noise clip as [low, high] with low <= high", noise.clip);
      }
      return noise;
    case "mask":
    case "saltPepper":
      if (typeof noise.rate !== "number" || !(noise.rate >= 0 && noise.rate < 1)) throw fail("noise rate in [0, 1)", noise.rate);
      return noise;
    default:
      throw fail('noise type "gaussian", "mask" or "saltPepper"', (noise as { type?: unknown }).type);
  }
}

/** A corrupted copy of x in scratch. */
export function corrupt(x: Tensor, noise: NoiseConfig, seed: number, stream: number, counter: number): Tensor {
  const { kernels: k, arena } = getEngine();
  const n = x.size;
  const y = new Tensor(arena.scratch(n * 4), x.shape);
  const draw = arena.scratch(n * 4);
  switch (noise.type) {
    case "gaussian":
      k.f32_rand_normal(draw, n, seed, stream, counter, 0, noise.stddev);
      k.f32_add(y.ptr, x.ptr, draw, n);
      if (noise.clip) k.f32_clip(y.ptr, y.ptr, noise.clip[0], noise.clip[1], n);
      break;
    case "mask":
      k.f32_rand_uniform(draw, n, seed, stream, counter, 0, 1);
      k.f32_dropout(y.ptr, x.ptr, draw, noise.rate, 1, n, 0);
      break;
    case "saltPepper":
      k.f32_rand_uniform(draw, n, seed, stream, counter, 0, 1);
      k.f32_salt_pepper(y.ptr, x.ptr, draw, noise.rate, noise.low ?? 0, noise.high ?? 1, n);
      break;
  }
  return y;
}
