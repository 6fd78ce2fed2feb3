// StandardScaler and MinMaxScaler against f64 definitions (scikit-learn's),
// inverse round trips, exact JSON round trips, typed errors.
import { describe, expect, it } from "vitest";
import { MinMaxScaler, scalerFromJSON, StandardScaler } from "../../src/apps/scaler.js";
import { AutoencoderError, ConfigError, DataError, ModelFormatError, ShapeError } from "../../src/errors.js";
import { expectClose, randomArray } from "../helpers.js";

function columnStats(x: Float32Array, rows: number, cols: number) {
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  const min = new Float64Array(cols).fill(Infinity);
  const max = new Float64Array(cols).fill(-Infinity);
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      mean[c] = mean[c]! + x[r * cols + c]!;
      min[c] = Math.min(min[c]!, x[r * cols + c]!);
      max[c] = Math.max(max[c]!, x[r * cols + c]!);
    }
    mean[c] = mean[c]! / rows;
    for (let r = 0; r < rows; r++) std[c] = std[c]! + (x[r * cols + c]! - mean[c]!) ** 2;
    std[c] = Math.sqrt(std[c]! / rows);
  }
  return { mean, std, min, max };
}

const ROWS = 37;
const COLS = 9;
/** Data with a constant column (3) and a wide one (5). */
function data(): Float32Array {
  const x = randomArray(ROWS * COLS, 1234, -3, 5);
  for (let r = 0; r < ROWS; r++) {
    x[r * COLS + 3] = 2.5;
    x[r * COLS + 5]! *= 1000;
  }
  return x;
}

describe("StandardScaler", () => {
  it("learns the mean and population std, and transforms to (x − mean)/std (constant features: scale 1)", async () => {
    const x = data();
    const scaler = await new StandardScaler().fit({ data: x, shape: [ROWS, COLS] });
    const { mean, std } = columnStats(x, ROWS, COLS);
    expectClose(scaler.mean, mean, { atol: 1e-6, rtol: 1e-6 }, "mean");
    expectClose(scaler.std, std, { atol: 1e-6, rtol: 1e-6 }, "std");
    const z = scaler.transform({ data: x, shape: [ROWS, COLS] });
    expect(z.shape).toEqual([ROWS, COLS]);
    const expected = Float64Array.from(x, (v, i) => (v - mean[i % COLS]!) / (std[i % COLS]! > 0 ? std[i % COLS]! : 1));
    expectClose(z.data, expected, { atol: 2e-6, rtol: 2e-6 }, "transform", [ROWS, COLS]);
    const zs = columnStats(z.data, ROWS, COLS);
    for (let c = 0; c < COLS; c++) {
      expect(Math.abs(zs.mean[c]!)).toBeLessThan(1e-5);
      expect(zs.std[c]).toBeCloseTo(c === 3 ? 0 : 1, 5);
    }
  });

  it("inverseTransform undoes transform; withMean/withStd switch the parts off", async () => {
    const x = data();
    const input = { data: x, shape: [ROWS, COLS] };
    const scaler = await new StandardScaler().fit(input);
    expectClose(scaler.inverseTransform(scaler.transform(input)).data, x, { atol: 1e-6, rtol: 1e-6 }, "round trip");
    const centerOnly = await new StandardScaler({ withStd: false }).fit(input);
    const { mean } = columnStats(x, ROWS, COLS);
    expectClose(centerOnly.transform(input).data, Float64Array.from(x, (v, i) => v - mean[i % COLS]!), { atol: 1e-3, rtol: 1e-6 }, "withStd false"); // ulp(5000) ≈ 5e-4 in column 5
    const identity = await new StandardScaler({ withMean: false, withStd: false }).fit(input);
    expectClose(identity.transform(input).data, x, { atol: 0, rtol: 0 }, "neither");
  });

  it("accepts number[][] and keeps the sample shape of fit", async () => {
    const scaler = await new StandardScaler().fit([[1, 2], [3, 6]]);
    expect(scaler.nFeatures).toBe(2);
    expect(Array.from(scaler.transform([[2, 4], [1, 2]]).data)).toEqual([0, 0, -1, -1]);
    const images = await new StandardScaler().fit({ data: randomArray(3 * 2 * 2, 5), shape: [3, 2, 2] });
    expect(images.transform({ data: new Float32Array(8), shape: [2, 2, 2] }).shape).toEqual([2, 2, 2]);
    expect(images.sampleShape).toEqual([2, 2]);
  });
});

describe("MinMaxScaler", () => {
  it("maps each feature's training range onto featureRange (constant features to lo), inverse undoes it", async () => {
    const x = data();
    const input = { data: x, shape: [ROWS, COLS] };
    const { min, max } = columnStats(x, ROWS, COLS);
    for (const range of [[0, 1], [-1, 1], [2, 7]] as [number, number][]) {
      const scaler = await new MinMaxScaler({ featureRange: range }).fit(input);
      expect(Array.from(scaler.dataMin)).toEqual(Array.from(min));
      expect(Array.from(scaler.dataMax)).toEqual(Array.from(max));
      const [lo, hi] = range;
      const expected = Float64Array.from(x, (v, i) => {
        const c = i % COLS;
        const span = max[c]! - min[c]! > 0 ? max[c]! - min[c]! : 1;
        return lo + ((v - min[c]!) / span) * (hi - lo);
      });
      const z = scaler.transform(input);
      expectClose(z.data, expected, { atol: 2e-6 * (hi - lo), rtol: 1e-6 }, `range [${lo}, ${hi}]`, [ROWS, COLS]);
      expectClose(scaler.inverseTransform(z).data, x, { atol: 2e-6, rtol: 2e-6 }, `inverse [${lo}, ${hi}]`, [ROWS, COLS]);
    }
  });

  it("clips values outside the training range only when asked", async () => {
    const fit = [[0, 10], [1, 20]];
    const outside = [[2, 0]];
    const free = await new MinMaxScaler().fit(fit);
    expect(Array.from(free.transform(outside).data)).toEqual([2, -1]);
    const clipped = await new MinMaxScaler({ clip: true }).fit(fit);
    expect(Array.from(clipped.transform(outside).data)).toEqual([1, 0]);
  });
});

describe("scaler state", () => {
  it("round-trips through JSON text exactly (same transform bits)", async () => {
    const x = data();
    const input = { data: x, shape: [ROWS, COLS] };
    for (const scaler of [await new StandardScaler().fit(input), await new MinMaxScaler({ featureRange: [-1, 1], clip: true }).fit(input)]) {
      const restored = scalerFromJSON(JSON.parse(JSON.stringify(scaler)));
      expect(restored.constructor).toBe(scaler.constructor);
      expect(Array.from(restored.transform(input).data)).toEqual(Array.from(scaler.transform(input).data));
      expect(Array.from(restored.inverseTransform(input).data)).toEqual(Array.from(scaler.inverseTransform(input).data));
    }
  });

  it("refuses damaged JSON with a reason", async () => {
    const json = (await new StandardScaler().fit([[1, 2], [3, 4]])).toJSON();
    expect(() => scalerFromJSON({ ...json, kind: "robust" } as never)).toThrow(ModelFormatError);
    expect(() => scalerFromJSON({ ...json, mean: [1] })).toThrow(/mean: expected 2 finite numbers/);
    expect(() => scalerFromJSON({ ...json, version: 2 } as never)).toThrow(/version 1/);
  });
});

describe("scaler errors", () => {
  it("typed errors for bad options and input", async () => {
    expect(() => new MinMaxScaler({ featureRange: [1, 1] })).toThrow(ConfigError);
    expect(() => new StandardScaler({ withMean: "yes" as never })).toThrow(ConfigError);
    expect(() => new StandardScaler().transform([[1]])).toThrow(AutoencoderError);
    const scaler = await new StandardScaler().fit([[1, 2], [3, 4]]);
    expect(() => scaler.transform([[1, 2, 3]])).toThrow(ShapeError);
    await expect(new StandardScaler().fit([[1, NaN]])).rejects.toThrow(DataError);
    expect(() => scaler.transform([[1, Infinity]])).toThrow(/sample 0, feature 1/);
  });
});

describe("JSON written with the affine maps", () => {
  // Files saved before the maps were left out hold `scale` and `offset` too; the statistics decide.
  it.each([new StandardScaler(), new MinMaxScaler({ featureRange: [-1, 1] })])("%o loads the same, the maps recomputed from the statistics", async (scaler) => {
    const x = { data: randomArray(8 * 3, 11, -5, 5), shape: [8, 3] };
    await scaler.fit(x);
    const json = scaler.toJSON();
    expect(Object.keys(json)).not.toContain("scale");
    const stale = { ...json, scale: [0, 0, 0], offset: [9, 9, 9] };
    expect(Array.from(scalerFromJSON(stale).transform(x).data)).toEqual(Array.from(scaler.transform(x).data));
  });
});
