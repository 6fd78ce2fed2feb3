import { describe, expect, it } from "vitest";
import { Autoencoder } from "../../src/index.js";
import { KERAS_BLOG_MODELS, kerasBlogSetup } from "../../examples/keras-blog-models.js";

// Deterministic pseudo-images in [0, 1] (a fixed integer hash, no Math.random).
function images(rows: number): Float32Array {
  const x = new Float32Array(rows * 784);
  for (let i = 0; i < x.length; i++) x[i] = ((Math.imul(i + 1, 2654435761) >>> 8) % 1000) / 999;
  return x;
}

const CODE_SHAPES = { simple: [32], sparse: [32], deep: [32], conv: [4, 4, 8], denoise: [7, 7, 32] };

describe("the models of the Keras blog post", () => {
  for (const name of KERAS_BLOG_MODELS) {
    it(`${name}: builds with the post's code shape and takes one training step`, async () => {
      const setup = kerasBlogSetup(name);
      const ae = await Autoencoder.create(setup.config);
      try {
        expect(ae.codeShape).toEqual(CODE_SHAPES[name]);
        const rows = 4;
        const x = { data: images(rows), shape: [rows, ...setup.config.input] };
        const history = await ae.fit(x, { epochs: 1, batchSize: rows });
        expect(history.loss).toHaveLength(1);
        expect(Number.isFinite(history.loss[0])).toBe(true);
      } finally {
        ae.dispose();
      }
    });
  }

  it("sparse: the L1 penalty is Keras's l1(1e-4) activity regularizer, 1e-4·Σ|code| per sample averaged over the batch", async () => {
    const setup = kerasBlogSetup("sparse");
    const ae = await Autoencoder.create(setup.config);
    try {
      const rows = 6;
      const x = { data: images(rows), shape: [rows, 784] };
      // The code before the one step, summed in f64: the step's penalty is taken at these weights.
      let abs = 0;
      for (const v of ae.encode(x).data) abs += Math.abs(v);
      const history = await ae.fit(x, { epochs: 1, batchSize: rows, shuffle: false });
      expect(history.penalty![0]).toBeCloseTo((1e-4 * abs) / rows, 6);
    } finally {
      ae.dispose();
    }
  });
});
