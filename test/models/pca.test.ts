import { describe, expect, it } from "vitest";
import { AutoencoderError, ConfigError, DataError, DisposedError, ModelFormatError, ShapeError } from "../../src/errors.js";
import { PCA } from "../../src/models/pca.js";
import { engine, expectClose, rng } from "../helpers.js";
import { pcaReference } from "../reference/linalg.js";

/** rows×cols with column scales falling from 3 to ~0.3 and a mean offset, so the spectrum is well separated. */
function scaledData(rows: number, cols: number, seed: number): Float32Array {
  const next = rng(seed);
  const x = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) x[r * cols + c] = (2 * next() - 1) * 3 * 0.7 ** c + 0.5 * c;
  }
  // Mix the columns a little so the axes are not the coordinate axes.
  for (let r = 0; r < rows; r++) {
    for (let c = 1; c < cols; c++) x[r * cols + c]! += 0.4 * x[r * cols + c - 1]!;
  }
  return x;
}

/** Rank-`rank` structure Z·B plus small noise and an offset. */
function lowRankData(rows: number, cols: number, rank: number, noise: number, seed: number): Float32Array {
  const next = rng(seed);
  const z = Array.from({ length: rows * rank }, () => 2 * next() - 1);
  const b = Array.from({ length: rank * cols }, () => 2 * next() - 1);
  const x = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let s = 1 + 0.1 * c;
      for (let t = 0; t < rank; t++) s += z[r * rank + t]! * b[t * cols + c]! * (rank - t);
      x[r * cols + c] = s + noise * (2 * next() - 1);
    }
  }
  return x;
}

const tensor = (data: Float32Array, cols: number) => ({ data, shape: [data.length / cols, cols] });

function checkAgainstReference(x: Float32Array, rows: number, cols: number, k: number, pca: PCA, label: string): void {
  const ref = pcaReference(x, rows, cols, k);
  expectClose(pca.mean, ref.mean, { atol: 1e-6, rtol: 1e-6 }, `${label} mean`);
  const total = ref.variances.reduce((s, v) => s + Math.max(v, 0), 0);
  const variances = ref.variances.slice(0, k);
  expectClose(pca.explainedVariance, variances, { atol: 1e-9 * total, rtol: 1e-9 }, `${label} explainedVariance`);
  expectClose(pca.explainedVarianceRatio, variances.map((v) => v / total), { atol: 1e-10, rtol: 1e-9 }, `${label} ratio`);
  expectClose(pca.singularValues, variances.map((v) => Math.sqrt(v * (rows - 1))), { atol: 1e-9, rtol: 1e-9 }, `${label} singular values`);
  const { data, shape } = pca.components;
  expect(shape).toEqual([k, cols]);
  for (let i = 0; i < k; i++) {
    const got = data.subarray(i * cols, (i + 1) * cols);
    const want = ref.components.subarray(i * cols, (i + 1) * cols);
    const sign = got.reduce((s, v, j) => s + v * want[j]!, 0) < 0 ? -1 : 1;
    expectClose(got.map((v) => sign * v), want, { atol: 2e-6, rtol: 0 }, `${label} component ${i} (up to sign)`);
    let best = 0;
    for (let j = 1; j < cols; j++) if (Math.abs(got[j]!) > Math.abs(got[best]!)) best = j;
    expect(got[best]!, `${label}: component ${i}'s largest entry is positive`).toBeGreaterThan(0);
  }
}

/** The reference projection (x − mean)·Wᵀ in f64, with the kernel's components. */
function projectReference(x: Float32Array, rows: number, cols: number, pca: PCA): Float64Array {
  const k = pca.nComponents;
  const w = pca.components.data;
  const mean = pca.mean;
  const z = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += (x[r * cols + c]! - mean[c]!) * w[i * cols + c]!;
      z[r * k + i] = s;
    }
  }
  return z;
}

describe("PCA against a naive f64 reference (Jacobi eigen of the covariance)", () => {
  it("60×7 well-separated spectrum, k = 3", async () => {
    const [rows, cols, k] = [60, 7, 3];
    const x = scaledData(rows, cols, 1);
    const pca = await new PCA({ nComponents: k }).fit(tensor(x, cols));
    checkAgainstReference(x, rows, cols, k, pca, "60x7");
    const z = pca.transform(tensor(x, cols));
    expect(z.shape).toEqual([rows, k]);
    expectClose(z.data, projectReference(x, rows, cols, pca), { atol: 1e-5, rtol: 1e-5 }, "60x7 transform", [rows, k]);
    pca.dispose();
  });

  it("200×12 of rank 3 plus noise: three components explain nearly all variance", async () => {
    const [rows, cols, k] = [200, 12, 3];
    const x = lowRankData(rows, cols, 3, 1e-3, 2);
    const pca = await new PCA({ nComponents: k }).fit(tensor(x, cols));
    checkAgainstReference(x, rows, cols, k, pca, "200x12 rank 3");
    const explained = pca.explainedVarianceRatio.reduce((s, v) => s + v, 0);
    expect(explained).toBeGreaterThan(0.99999);
    expect(explained).toBeLessThan(1);
    pca.dispose();
  });

  it("number[][] and { data, shape } inputs, and a [N, 2, 3] sample shape, give the same fit", async () => {
    const [rows, cols] = [40, 6];
    const x = scaledData(rows, cols, 3);
    const rowsInput = Array.from({ length: rows }, (_, r) => Array.from(x.subarray(r * cols, (r + 1) * cols)));
    const a = await new PCA({ nComponents: 2 }).fit(rowsInput);
    const b = await new PCA({ nComponents: 2 }).fit({ data: x, shape: [rows, 2, 3] });
    expect(b.sampleShape).toEqual([2, 3]);
    expectClose(b.components.data, a.components.data, { atol: 0, rtol: 0 }, "same components");
    const back = b.inverseTransform(b.transform({ data: x, shape: [rows, cols] }));
    expect(back.shape).toEqual([rows, 2, 3]);
    a.dispose();
    b.dispose();
  });
});

describe("PCA round trips and reconstruction error", () => {
  it("with every component, inverseTransform(transform(x)) = x and W·Wᵀ = I (f32 tolerance)", async () => {
    const [rows, cols] = [60, 7];
    const x = scaledData(rows, cols, 4);
    for (const whiten of [false, true]) {
      const pca = await new PCA({ nComponents: cols, whiten }).fit(tensor(x, cols));
      const back = pca.inverseTransform(pca.transform(tensor(x, cols)));
      expectClose(back.data, x, { atol: 2e-5, rtol: 2e-5 }, `round trip whiten=${whiten}`, [rows, cols]);
      const w = pca.components.data;
      for (let i = 0; i < cols; i++) {
        for (let j = 0; j < cols; j++) {
          let dot = 0;
          for (let c = 0; c < cols; c++) dot += w[i * cols + c]! * w[j * cols + c]!;
          expect(Math.abs(dot - (i === j ? 1 : 0)), `W·Wᵀ at (${i}, ${j})`).toBeLessThan(1e-6);
        }
      }
      const errors = pca.reconstructionError(tensor(x, cols));
      expect(Math.max(...errors)).toBeLessThan(1e-9);
      pca.dispose();
    }
  });

  it("the mean reconstruction error on the training data is the discarded variance per feature", async () => {
    const [rows, cols] = [200, 12];
    const x = lowRankData(rows, cols, 5, 0.05, 5);
    const ref = pcaReference(x, rows, cols, cols);
    for (const k of [1, 3, 5, 8]) {
      const pca = await new PCA({ nComponents: k }).fit(tensor(x, cols));
      const errors = pca.reconstructionError(tensor(x, cols));
      expect(errors.length).toBe(rows);
      const mean = errors.reduce((s, v) => s + v, 0) / rows;
      // Σ over discarded eigenvalues of the covariance, back to divisor N, spread over the features.
      const discarded = ref.variances.slice(k).reduce((s, v) => s + v, 0);
      const expected = (discarded * (rows - 1)) / rows / cols;
      expect(Math.abs(mean - expected), `k=${k}: mean error ${mean}, expected ${expected}`).toBeLessThan(1e-5 * (ref.variances[0]! / cols) + 1e-4 * expected);
      // Per sample: the squared norm of the residual, against an f64 computation.
      const z = projectReference(x, rows, cols, pca);
      const w = pca.components.data;
      const m = pca.mean;
      const perSample = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) {
          let xr = m[c]!;
          for (let i = 0; i < k; i++) xr += z[r * k + i]! * w[i * cols + c]!;
          s += (xr - x[r * cols + c]!) ** 2;
        }
        perSample[r] = s / cols;
      }
      expectClose(errors, perSample, { atol: 1e-5, rtol: 1e-3 }, `k=${k} per-sample error`);
      pca.dispose();
    }
  });

  it("whitening gives unit-variance projections and the same reconstruction", async () => {
    const [rows, cols, k] = [200, 12, 4];
    const x = lowRankData(rows, cols, 6, 0.01, 6);
    const plain = await new PCA({ nComponents: k }).fit(tensor(x, cols));
    const white = await new PCA({ nComponents: k, whiten: true }).fit(tensor(x, cols));
    const z = white.transform(tensor(x, cols));
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += z.data[r * k + i]! ** 2;
      expect(Math.abs(s / (rows - 1) - 1), `variance of whitened component ${i}`).toBeLessThan(1e-4);
    }
    expectClose(white.reconstructionError(tensor(x, cols)), plain.reconstructionError(tensor(x, cols)), { atol: 1e-6, rtol: 1e-3 }, "whitened error");
    plain.dispose();
    white.dispose();
  });

  it("fitTransform equals fit then transform, and fitting is deterministic", async () => {
    const x = scaledData(50, 9, 7);
    const a = new PCA({ nComponents: 4 });
    const za = await a.fitTransform(tensor(x, 9));
    const b = await new PCA({ nComponents: 4 }).fit(tensor(x, 9));
    const zb = b.transform(tensor(x, 9));
    expect(Buffer.from(za.data.buffer).equals(Buffer.from(zb.data.buffer))).toBe(true);
    expect(Buffer.from(a.components.data.buffer).equals(Buffer.from(b.components.data.buffer))).toBe(true);
    a.dispose();
    b.dispose();
  });
});

describe("PCA state and memory", () => {
  it("round-trips through JSON text bit for bit", async () => {
    const x = scaledData(60, 7, 8);
    for (const whiten of [false, true]) {
      const pca = await new PCA({ nComponents: 3, whiten }).fit(tensor(x, 7));
      const copy = PCA.fromJSON(JSON.parse(JSON.stringify(pca)));
      expect(copy.whiten).toBe(whiten);
      expect(copy.toJSON()).toEqual(pca.toJSON());
      const a = pca.transform(tensor(x, 7));
      const b = copy.transform(tensor(x, 7));
      expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
      pca.dispose();
      copy.dispose();
    }
  });

  it("rejects malformed JSON with a ModelFormatError naming the field", async () => {
    const pca = await new PCA({ nComponents: 2 }).fit(tensor(scaledData(20, 5, 9), 5));
    const good = pca.toJSON();
    expect(() => PCA.fromJSON({ ...good, format: "other" } as never)).toThrow(ModelFormatError);
    expect(() => PCA.fromJSON({ ...good, components: good.components.slice(1) })).toThrow(/components: expected 10 finite numbers/);
    expect(() => PCA.fromJSON({ ...good, mean: [...good.mean.slice(1), Number.NaN] })).toThrow(/mean/);
    expect(() => PCA.fromJSON({ ...good, nComponents: 6 })).toThrow(/nComponents/);
    expect(() => PCA.fromJSON(null as never)).toThrow(ModelFormatError);
    pca.dispose();
  });

  it("frees all the arena memory it took once disposed", async () => {
    const e = await engine();
    const x = scaledData(100, 10, 10);
    const before = e.arena.liveBytes;
    const pca = await new PCA({ nComponents: 3, whiten: true }).fit(tensor(x, 10));
    pca.transform(tensor(x, 10));
    pca.reconstructionError(tensor(x, 10));
    await pca.fit(tensor(x, 10)); // a refit drops the old blocks
    pca.transform(tensor(x, 10));
    expect(e.arena.liveBytes).toBeGreaterThan(before);
    pca.dispose();
    expect(e.arena.liveBytes).toBe(before);
    expect(() => pca.transform(tensor(x, 10))).toThrow(DisposedError);
    await expect(pca.fit(tensor(x, 10))).rejects.toThrow(DisposedError);
  });
});

describe("PCA errors", () => {
  const x = scaledData(6, 4, 11);

  it.each([0, -1, 1.5, Number.NaN, "2"])("nComponents %s is a ConfigError", (k) => {
    expect(() => new PCA({ nComponents: k as number })).toThrow(ConfigError);
    expect(() => new PCA({ nComponents: k as number })).toThrow(/nComponents/);
  });

  it("nComponents above min(samples, features) is a ConfigError naming the bound", async () => {
    await expect(new PCA({ nComponents: 5 }).fit(tensor(x, 4))).rejects.toThrow(/nComponents: expected an integer in \[1, min\(samples, features\)\] = \[1, 4\].*found 5/);
    const wide = scaledData(3, 8, 12);
    await expect(new PCA({ nComponents: 4 }).fit(tensor(wide, 8))).rejects.toThrow(ConfigError);
    const ok = await new PCA({ nComponents: 3 }).fit(tensor(wide, 8));
    expect(ok.explainedVariance[2]!).toBeLessThan(1e-9);
    ok.dispose();
  });

  it("transform, inverseTransform and state before fit name the missing fit", () => {
    const pca = new PCA({ nComponents: 2 });
    expect(() => pca.transform(tensor(x, 4))).toThrow(AutoencoderError);
    expect(() => pca.transform(tensor(x, 4))).toThrow(/not fitted yet.*fit/);
    expect(() => pca.inverseTransform([[1, 2]])).toThrow(/not fitted/);
    expect(() => pca.components).toThrow(/not fitted/);
    expect(() => pca.toJSON()).toThrow(/not fitted/);
    expect(pca.isFitted).toBe(false);
  });

  it("a feature count mismatch is a ShapeError naming expected and found", async () => {
    const pca = await new PCA({ nComponents: 2 }).fit(tensor(x, 4));
    expect(() => pca.transform({ data: new Float32Array(10), shape: [2, 5] })).toThrow(ShapeError);
    expect(() => pca.transform({ data: new Float32Array(10), shape: [2, 5] })).toThrow(/expected shape \[N, 4\].*found \[2, 5\]/);
    expect(() => pca.transform([[1, 2, 3]])).toThrow(/expected every row to have 4 values.*found 3/);
    expect(() => pca.inverseTransform([[1, 2, 3]])).toThrow(/z: expected every row to have 2 values.*found 3/);
    expect(() => pca.reconstructionError([[1, 2, 3, 4, 5]])).toThrow(ShapeError);
    pca.dispose();
  });

  it("NaN or Infinity in the data is a DataError naming sample and feature", async () => {
    const bad = x.slice();
    bad[2 * 4 + 1] = Number.NaN;
    await expect(new PCA({ nComponents: 2 }).fit(tensor(bad, 4))).rejects.toThrow(DataError);
    await expect(new PCA({ nComponents: 2 }).fit(tensor(bad, 4))).rejects.toThrow(/sample 2, feature 1/);
    const pca = await new PCA({ nComponents: 2 }).fit(tensor(x, 4));
    expect(() => pca.transform([[0, Number.POSITIVE_INFINITY, 0, 0]])).toThrow(/sample 0, feature 1/);
    expect(() => pca.inverseTransform([[0, Number.NaN]])).toThrow(/z: expected finite numbers/);
    await expect(pca.fit([] as number[][])).rejects.toThrow(DataError);
    expect(pca.transform(tensor(x, 4)).shape, "a failed refit keeps the previous fit").toEqual([6, 2]);
    pca.dispose();
  });
});
