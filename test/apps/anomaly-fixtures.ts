// Data for the default detector's tests.
import { rng } from "../helpers.js";

/** 200 samples near a 2-D plane in 6-D and 6 far off it (uniform in [-2, 2], one column moved by 8). */
export function planeWithOutliers(seed: number): { data: Float32Array; shape: number[] } {
  const next = rng(seed);
  const d = 6;
  const n = 206;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = [2 * next() - 1, 2 * next() - 1];
    for (let j = 0; j < d; j++) out[i * d + j] = i >= 200 ? 4 * next() - 2 + (j === i - 200 ? 8 : 0) : Math.sin(j + 1) * z[0]! + Math.cos(j) * z[1]! + 0.02 * next();
  }
  return { data: out, shape: [n, d] };
}
