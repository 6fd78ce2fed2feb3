import { describe, expect, it } from "vitest";
import { addNoise, ConfigError, Denoiser, Generator, ModelFormatError } from "../../src/index.js";
import { randomArray } from "../helpers.js";

/** Smooth 16-feature profiles in [0, 1] from two latent factors. */
function profiles(rows: number, seed: number) {
  const z = randomArray(rows * 2, seed, -1, 1);
  const data = new Float32Array(rows * 16);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < 16; j++) data[r * 16 + j] = 0.5 + 0.25 * (z[2 * r]! * Math.sin(j / 3) + z[2 * r + 1]! * Math.cos(j / 5));
  }
  return { data, shape: [rows, 16] };
}

const mse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length;

describe("Denoiser", () => {
  it("fits on clean data and brings noisy data closer to the clean data; saves and loads", async () => {
    const noise = { type: "gaussian", stddev: 0.1 } as const;
    const denoiser = await new Denoiser({ noise, seed: 1, epochs: 60 }).fit(profiles(512, 1));
    const clean = profiles(100, 2);
    const noisy = await addNoise(clean, noise, { seed: 3 });
    const cleaned = denoiser.transform(noisy);
    expect(cleaned.shape).toEqual([100, 16]);
    expect(mse(cleaned.data, clean.data)).toBeLessThan(mse(noisy.data, clean.data) / 2);
    const back = await Denoiser.load(denoiser.save());
    expect(Array.from(back.transform(noisy).data)).toEqual(Array.from(cleaned.data));
    expect(back.noise).toEqual(noise);
    await expect(Generator.load(denoiser.save())).rejects.toThrow(ModelFormatError);
    denoiser.dispose();
    back.dispose();
    expect(() => new Denoiser({ noise: { type: "gaussian", stddev: -1 } })).toThrow(ConfigError);
  });
});

describe("Generator", () => {
  it("samples new data, interpolates, and saves and loads", async () => {
    const generator = await new Generator({ latent: 2, seed: 4, epochs: 30 }).fit(profiles(512, 5));
    const samples = generator.sample(10);
    expect(samples.shape).toEqual([10, 16]);
    expect(samples.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Array.from(generator.sample(3, { seed: 9 }).data)).toEqual(Array.from(generator.sample(3, { seed: 9 }).data));
    const x = profiles(2, 6);
    const path = generator.interpolate(x.data.subarray(0, 16), x.data.subarray(16), 5);
    expect(path.shape).toEqual([5, 16]);
    const back = await Generator.load(generator.save());
    expect(Array.from(back.sample(4, { seed: 1 }).data)).toEqual(Array.from(generator.sample(4, { seed: 1 }).data));
    generator.dispose();
    back.dispose();
    expect(() => generator.sample(1)).toThrow(/disposed/);
  });
});
