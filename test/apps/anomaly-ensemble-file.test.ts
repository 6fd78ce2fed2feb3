// The saved ensemble (anomaly-ensemble-file.ts): format 5 round-trips with
// its PCA term; files of format 4 (no PCA term) load and score as before,
// files of format 3 (no input-space term either) too; format 2 is refused
// naming the version; missing or hostile parts are refused with a
// ModelFormatError that says which.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnomalyDetector } from "../../src/apps/anomaly-detector.js";
import { neighbourDistances, PCA_WEIGHT } from "../../src/apps/anomaly-ensemble.js";
import { ModelFormatError } from "../../src/errors.js";
import { decodeModelFile, encodeModelFile, type NamedTensor } from "../../src/io/model-file.js";
import { coreCrc32 } from "../../src/models/checksum.js";
import { planeWithOutliers as data } from "./anomaly-fixtures.js";

interface SavedEnsemble {
  version: number;
  stats: Record<string, number>[];
  pca?: { median: unknown; mad: unknown };
}
type Config = { state: { ensemble: SavedEnsemble } };

const PCA_TENSORS = ["anomaly-detector.pca_mean", "anomaly-detector.pca_components"];

describe("the saved ensemble", () => {
  const x = data(5);
  let detector: AnomalyDetector;
  let config: Config;
  let tensors: NamedTensor[];
  const load = (c: unknown, t: readonly NamedTensor[]): Promise<AnomalyDetector> => AnomalyDetector.load(encodeModelFile(c, t, coreCrc32));
  /** The file as format 4: the PCA term's statistics and tensors left out. */
  const asVersion4 = (): { v4: Config; old: NamedTensor[] } => {
    const v4 = structuredClone(config);
    v4.state.ensemble.version = 4;
    delete v4.state.ensemble.pca;
    return { v4, old: tensors.filter((t) => !PCA_TENSORS.includes(t.name)) };
  };

  beforeAll(async () => {
    detector = await new AnomalyDetector({ ensemble: 2, epochs: 6, contamination: 0.03 }).fit(x);
    const file = decodeModelFile(detector.save(), coreCrc32);
    config = file.config as Config;
    tensors = [...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  });
  afterAll(() => detector.dispose());

  it("is format 5 with the PCA term, and load gives the same scores and bytes", async () => {
    expect(config.state.ensemble.version).toBe(5);
    const pca = config.state.ensemble.pca as { median: number; mad: number };
    expect(Number.isFinite(pca.median) && pca.mad > 0).toBe(true);
    const mean = tensors.find((t) => t.name === PCA_TENSORS[0])!;
    const components = tensors.find((t) => t.name === PCA_TENSORS[1])!;
    expect(mean.shape).toEqual([6]);
    expect(components.shape[1]).toBe(6);
    // 90% of the (robustly scaled) variance takes more than the plane's 2 directions, fewer than all 6.
    expect(components.shape[0]).toBeGreaterThanOrEqual(2);
    expect(components.shape[0]).toBeLessThan(6);
    const loaded = await AnomalyDetector.load(detector.save());
    expect(Array.from(loaded.decisionFunction(x))).toEqual(Array.from(detector.decisionFunction(x)));
    expect(Array.from(loaded.decisionScores)).toEqual(Array.from(detector.decisionScores));
    expect(Array.from(loaded.save())).toEqual(Array.from(detector.save()));
    loaded.dispose();
  });

  it("loads a file of format 4 and scores it without the PCA term", async () => {
    const { v4, old } = asVersion4();
    const loaded = await load(v4, old);
    expect(loaded.ensemble).toBe(2);
    // The PCA term recomputed here in f64 from the saved axes: the format-5 score minus it is the format-4 score.
    const mean = tensors.find((t) => t.name === PCA_TENSORS[0])!.data;
    const components = tensors.find((t) => t.name === PCA_TENSORS[1])!;
    const { median, mad } = config.state.ensemble.pca as { median: number; mad: number };
    const scaled = loaded.scaler!.transform(x).data;
    const [rows, cols, k] = [x.shape[0]!, 6, components.shape[0]!];
    const full = detector.decisionFunction(x);
    const got = loaded.decisionFunction(x);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += (scaled[i * cols + j]! - mean[j]!) ** 2;
      for (let c = 0; c < k; c++) {
        let z = 0;
        for (let j = 0; j < cols; j++) z += (scaled[i * cols + j]! - mean[j]!) * components.data[c * cols + j]!;
        s -= z * z;
      }
      const expected = full[i]! - (PCA_WEIGHT * (s - median)) / mad;
      expect(Math.abs(got[i]! - expected), `row ${i}: ${got[i]} against ${expected}`).toBeLessThan(1e-4 * (1 + Math.abs(expected)));
    }
    // A format-4 file with the PCA term's statistics or tensors is refused.
    await expect(load({ ...v4, state: { ...v4.state, ensemble: { ...v4.state.ensemble, pca: config.state.ensemble.pca } } }, tensors)).rejects.toThrow(/format version 4 has no PCA term, found its statistics/);
    await expect(load(v4, tensors)).rejects.toThrow(/"anomaly-detector\.pca_mean", but the detector has no PCA term/);
    // Saved again, it is a format-5 file without the term, which loads and scores as the format-4 one.
    const again = await AnomalyDetector.load(loaded.save());
    expect((decodeModelFile(loaded.save(), coreCrc32).config as Config).state.ensemble.pca).toBeUndefined();
    expect(Array.from(again.decisionFunction(x))).toEqual(Array.from(got));
    again.dispose();
    loaded.dispose();
  });

  it("refuses a hostile or missing PCA term with a ModelFormatError", async () => {
    const replaced = (name: string, shape: number[], values: Float32Array): NamedTensor[] => tensors.map((t) => (t.name === `anomaly-detector.${name}` ? { name: t.name, shape, data: values } : t));
    const components = tensors.find((t) => t.name === PCA_TENSORS[1])!;
    const k = components.shape[0]!;
    const cases: [string, unknown, readonly NamedTensor[], RegExp][] = [
      ["no components", config, tensors.filter((t) => t.name !== PCA_TENSORS[1]), /expected the PCA term's components of shape \[k ≤ 6, 6\], found none/],
      ["components of 7 features", config, replaced("pca_components", [k, 7], new Float32Array(k * 7)), /components of shape .* found shape \[\d+, 7\]/],
      ["7 components of 6 features", config, replaced("pca_components", [7, 6], new Float32Array(42)), /found shape \[7, 6\]/],
      ["a mean of 5 features", config, replaced("pca_mean", [5], new Float32Array(5)), /expected the PCA term's mean of shape \[6\], found shape \[5\]/],
      ["a component of norm 2", config, replaced("pca_components", components.shape, components.data.map((v) => 2 * v)), /component 0 has squared norm (4|3\.99)/],
      ["a NaN component", config, replaced("pca_components", components.shape, components.data.map((v, i) => (i === 3 ? Number.NaN : v))), /non-finite|NaN/],
      ["a MAD of 0", withPca({ median: 1, mad: 0 }), tensors, /expected the PCA term's median and positive MAD/],
      ["a string median", withPca({ median: "1", mad: 1 }), tensors, /expected the PCA term's median and positive MAD/],
      ["PCA tensors without statistics", withPca(undefined), tensors, /"anomaly-detector\.pca_mean", but the detector has no PCA term/],
    ];
    cases.push(["weights under member0.", config, [...tensors, { name: "anomaly-detector.member0.extra", shape: [2], data: new Float32Array(2) }], /member 0's weights are the detector's own model's/]);
    for (const [what, c, t, message] of cases) {
      const attempt = load(c, t);
      await expect(attempt, what).rejects.toThrow(ModelFormatError);
      await expect(attempt, what).rejects.toThrow(message);
    }
  });

  /** The configuration with the PCA term's statistics replaced (or removed, for undefined). */
  function withPca(pca: SavedEnsemble["pca"]): Config {
    const c = structuredClone(config);
    if (pca === undefined) delete c.state.ensemble.pca;
    else c.state.ensemble.pca = pca;
    return c;
  }

  it("refuses a file of format version 2 naming the version, and one without its reference codes or samples", async () => {
    const old = structuredClone(config);
    old.state.ensemble.version = 2;
    await expect(load(old, tensors)).rejects.toThrow(/found format version 2 .*expected version 5: fit the detector again/);
    const missing = tensors.filter((t) => t.name !== "anomaly-detector.reference1");
    expect(missing).toHaveLength(tensors.length - 1);
    await expect(load(config, missing)).rejects.toThrow(ModelFormatError);
    await expect(load(config, missing)).rejects.toThrow(/ensemble member 1: expected reference codes of shape \[rows, 1\], found none/);
    const noSamples = tensors.filter((t) => t.name !== "anomaly-detector.input1");
    await expect(load(config, noSamples)).rejects.toThrow(/ensemble member 1: expected reference samples of shape \[rows, 6\], found none/);
  });

  it("loads a file of format version 3 (no input-space term) and scores it by reconstruction error and code distance", async () => {
    const { v4, old: withoutPca } = asVersion4();
    const v3 = structuredClone(v4);
    v3.state.ensemble.version = 3;
    // Version 3 with the input term's statistics is refused; without them (and their tensors) it loads.
    await expect(load(v3, withoutPca)).rejects.toThrow(/ensemble member 0: format version 3 has no input-space statistics/);
    for (const stats of v3.state.ensemble.stats) {
      delete stats.inputMedian;
      delete stats.inputMad;
    }
    const old = withoutPca.filter((t) => !/\.input[0-9]+$/.test(t.name));
    expect(old).toHaveLength(withoutPca.length - 2);
    const loaded = await load(v3, old);
    expect(loaded.ensemble).toBe(2);
    // Each member's score without the input term: its two normalized terms, recomputed here from the members themselves.
    const scaled = loaded.scaler!.transform(x);
    const expected = new Float64Array(x.shape[0]!);
    v3.state.ensemble.stats.forEach((s, m) => {
      const member = loaded.members[m]!;
      const errors = member.reconstructionError(scaled);
      const codes = member.encode(scaled).data;
      const reference = tensors.find((t) => t.name === `anomaly-detector.reference${m}`)!;
      const near = neighbourDistances(codes, reference.data, reference.shape[1]!);
      // Two members: their median is their mean.
      for (let i = 0; i < expected.length; i++) expected[i]! += ((errors[i]! - s.errorMedian!) / s.errorMad! + (near[i]! - s.distanceMedian!) / s.distanceMad!) / 2;
    });
    const got = loaded.decisionFunction(x);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(expected[i]!)));
    // A stray input tensor for a member without input statistics is refused.
    await expect(load(v3, [...old, tensors.find((t) => t.name.endsWith(".input0"))!])).rejects.toThrow(/member 0 has no input-space statistics/);
    loaded.dispose();
  });
});
