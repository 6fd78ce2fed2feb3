// A linear autoencoder trained to convergence spans PCA's subspace, so its
// reconstruction error matches PCA's at the same code size.
import { expect, it } from "vitest";
import { Autoencoder, layers, PCA } from "../../src/index.js";
import { randomArray } from "../helpers.js";

it("a linear autoencoder reaches PCA's reconstruction error (within 2%)", async () => {
  const rows = 400;
  const features = 12;
  // Five latent factors of decreasing scale, mixed into 12 features, plus a little noise.
  const factors = randomArray(rows * 5, 1, -1, 1);
  const mixing = randomArray(5 * features, 2, -1, 1);
  const noise = randomArray(rows * features, 3, -0.02, 0.02);
  const data = new Float32Array(rows * features);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < features; j++) {
      let s = noise[r * features + j]!;
      for (let f = 0; f < 5; f++) s += factors[r * 5 + f]! * mixing[f * features + j]! / (f + 1);
      data[r * features + j] = s;
    }
  }
  const x = { data, shape: [rows, features] };
  const mse = (a: Float32Array) => a.reduce((s, v, i) => s + (v - data[i]!) ** 2, 0) / a.length;

  const pca = await new PCA({ nComponents: 3 }).fit(x);
  const pcaMse = mse(pca.inverseTransform(pca.transform(x)).data);
  pca.dispose();

  const ae = await Autoencoder.create({
    input: [features],
    encoder: [layers.dense(3)],
    decoder: [layers.dense(features)],
    loss: "mse",
    optimizer: { name: "adam", learningRate: 1e-2 },
    seed: 4,
  });
  await ae.fit(x, { epochs: 300, batchSize: 50 });
  const aeMse = mse(ae.reconstruct(x).data);
  ae.dispose();
  expect(aeMse / pcaMse).toBeLessThan(1.02);
  expect(aeMse / pcaMse).toBeGreaterThan(0.98);
});
