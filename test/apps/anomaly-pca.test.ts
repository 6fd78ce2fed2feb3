// The ensemble's PCA term: the kept-component count against hand cases, and
// its residuals against our PCA (fitted with every component, scored as the
// suite's PCA-90% baseline: ‖x − μ‖² − Σ_{c<k} z_c²) on data with more rows
// than features (the same scatter) and with fewer (the Gram-matrix path),
// with repeated and constant columns (merged before the eigenproblem).
import { describe, expect, it } from "vitest";
import { fitPcaAxes, keptComponents, pcaResiduals, PCA_VARIANCE } from "../../src/apps/anomaly-pca.js";
import { PCA } from "../../src/models/pca.js";
import { engine, expectClose, rng } from "../helpers.js";

/** rows × cols of rank-3 structure plus noise of scale 0.05. */
function lowRank(rows: number, cols: number, seed: number): { data: Float32Array; shape: number[] } {
  const next = rng(seed);
  const basis = Array.from({ length: 3 * cols }, () => 2 * next() - 1);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const z = [3 * next(), 2 * next() - 1, next() - 0.5];
    for (let j = 0; j < cols; j++) data[i * cols + j] = 1 + z[0]! * basis[j]! + z[1]! * basis[cols + j]! + z[2]! * basis[2 * cols + j]! + 0.05 * (2 * next() - 1);
  }
  return { data, shape: [rows, cols] };
}

/** The suite's PCA-90% residuals (bench/anomaly-suite.ts, runPca) of x under a PCA fitted on x. */
async function referenceResiduals(x: { data: Float32Array; shape: number[] }): Promise<{ k: number; residuals: Float64Array }> {
  const [rows, cols] = x.shape as [number, number];
  const full = Math.min(rows, cols);
  const pca = await new PCA({ nComponents: full }).fit(x);
  const ratio = pca.explainedVarianceRatio;
  let k = 0;
  for (let c = 0; k < full && c <= PCA_VARIANCE; k++) c += ratio[k]!;
  const z = pca.transform(x).data;
  const mean = pca.mean;
  const residuals = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let total = 0;
    for (let j = 0; j < cols; j++) total += (x.data[i * cols + j]! - mean[j]!) ** 2;
    for (let c = 0; c < k; c++) total -= z[i * full + c]! ** 2;
    residuals[i] = total;
  }
  pca.dispose();
  return { k, residuals };
}

describe("the PCA term", () => {
  it("keeps the fewest components whose cumulative share exceeds 0.9", () => {
    // Shares 0.5, 0.8, 0.9 (not above), 1.0 → 4; 0.95 → 1; negative eigenvalues count as 0.
    expect(keptComponents(Float64Array.from([5, 3, 1, 1]))).toBe(4);
    expect(keptComponents(Float64Array.from([9.5, 0.5]))).toBe(1);
    expect(keptComponents(Float64Array.from([6, 3.5, 0.5, -1e-9]))).toBe(2);
    // No variance at all: every component (each explains nothing).
    expect(keptComponents(Float64Array.from([0, 0, 0]))).toBe(3);
  });

  it.each([
    [200, 12],
    [30, 50],
    [7, 7],
  ])("matches our PCA's residuals on %i × %i data, with orthonormal components", async (rows, cols) => {
    await engine();
    const x = lowRank(rows, cols, rows + cols);
    const reference = await referenceResiduals(x);
    const axes = fitPcaAxes(x)!;
    const k = axes.components.length / cols;
    expect(k).toBe(reference.k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b <= a; b++) {
        let dot = 0;
        for (let j = 0; j < cols; j++) dot += axes.components[a * cols + j]! * axes.components[b * cols + j]!;
        expect(Math.abs(dot - (a === b ? 1 : 0)), `components ${a}, ${b} of ${rows}x${cols}`).toBeLessThan(1e-5);
      }
    }
    // f32 components and projections: the residual of a total near 1e2 is good to about 1e-4 of it.
    let scale = 0;
    for (const v of reference.residuals) scale = Math.max(scale, Math.abs(v));
    expectClose(pcaResiduals(axes, x), reference.residuals, { atol: 1e-4 * (1 + scale), rtol: 1e-3 }, `residuals ${rows}x${cols}`);
  });

  it.each([
    [100, 8],
    [12, 8],
  ])("merges repeated and constant columns without changing the residuals (%i rows × 3·%i features)", async (rows, cols) => {
    await engine();
    // Each column of a low-rank matrix three times (the third copy moved to the end), and a constant column between.
    const base = lowRank(rows, cols, 9);
    const wide = 3 * cols + 1;
    const data = new Float32Array(rows * wide);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = base.data[i * cols + j]!;
        data[i * wide + 2 * j] = v;
        data[i * wide + 2 * j + 1] = v;
        data[i * wide + 2 * cols + 1 + j] = v;
      }
      data[i * wide + 2 * cols] = 4.5;
    }
    const x = { data, shape: [rows, wide] };
    const reference = await referenceResiduals(x);
    const axes = fitPcaAxes(x)!;
    expect(axes.components.length / wide).toBe(reference.k);
    let scale = 0;
    for (const v of reference.residuals) scale = Math.max(scale, Math.abs(v));
    expectClose(pcaResiduals(axes, x), reference.residuals, { atol: 1e-4 * (1 + scale), rtol: 1e-3 }, `residuals ${rows}x${wide}`);
    // The constant column gets no axis weight; the copies of a column equal weights.
    for (let c = 0; c < reference.k; c++) {
      expect(axes.components[c * wide + 2 * cols]).toBe(0);
      expect(axes.components[c * wide + 1]).toBe(axes.components[c * wide]);
      expect(axes.components[c * wide + 2 * cols + 1]).toBe(axes.components[c * wide]);
    }
  });

  it("has no axes where the kept components would span every direction of the data, or the data have none", async () => {
    await engine();
    // Constant data: no variance.
    expect(fitPcaAxes({ data: new Float32Array(5 * 3).fill(2), shape: [5, 3] })).toBeNull();
    // Two independent features (90% of the variance needs both): nothing left for a residual but rounding.
    const next = rng(11);
    expect(fitPcaAxes({ data: Float32Array.from({ length: 500 * 2 }, next), shape: [500, 2] })).toBeNull();
    // Two rows of 9 features: one direction, kept.
    expect(fitPcaAxes({ data: Float32Array.from({ length: 2 * 9 }, next), shape: [2, 9] })).toBeNull();
    // Rank-3 structure in 6 features with a little noise: its directions kept, the noise measured.
    expect(fitPcaAxes(lowRank(200, 6, 3))).not.toBeNull();
  });

  it("gives the same bits again after other work has dirtied the scratch memory", async () => {
    const e = await engine();
    const wide = lowRank(20, 40, 5);
    const first = fitPcaAxes(wide)!;
    e.arena.scoped(() => {
      const ptr = e.arena.scratch(1 << 20);
      e.arena.f32.fill(Number.NaN, ptr >>> 2, (ptr >>> 2) + (1 << 18));
    });
    const again = fitPcaAxes(wide)!;
    expect(Array.from(again.components)).toEqual(Array.from(first.components));
    expect(Array.from(pcaResiduals(again, wide))).toEqual(Array.from(pcaResiduals(first, wide)));
  });
});
