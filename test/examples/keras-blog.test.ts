import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Autoencoder } from "../../src/index.js";
import { getEngine } from "../../src/wasm/module.js";
import { KERAS_BLOG_MODELS, kerasBlogSetup } from "../../examples/keras-blog-models.js";
import { loadMnist } from "../../examples/lib/mnist.js";

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

// The deep model's training steps against PyTorch's from the same initial
// weights and batches (Glorot kernels, Adam 1e-3 with ε = 1e-7, BCE from
// logits averaged over pixels and images): what a difference at equal epochs
// between the two frameworks could come from besides their random draws.
const PYTHON = "/usr/bin/python3";
const TORCH_STEPS = `
import json, sys, torch
from torch.nn import functional as F
d = json.load(sys.stdin)
p = {t["name"]: torch.tensor(t["data"], dtype=torch.float32).reshape(t["shape"]) for t in d["params"]}
names = [n for n in ["encoder.0", "encoder.1", "encoder.2", "decoder.0", "decoder.1", "decoder.2"]]
Ws = [p[n + ".kernel"].clone().requires_grad_() for n in names]
bs = [p[n + ".bias"].clone().requires_grad_() for n in names]
x = torch.tensor(d["x"], dtype=torch.float32).reshape(-1, 784)
opt = torch.optim.Adam(Ws + bs, lr=1e-3, eps=1e-7)
losses = []
for epoch in range(d["epochs"]):
    for i in range(0, len(x), d["batch"]):
        xb, h = x[i:i + d["batch"]], x[i:i + d["batch"]]
        for k, (W, b) in enumerate(zip(Ws, bs)):
            h = h @ W + b
            if k < len(Ws) - 1:
                h = F.relu(h)
        loss = F.binary_cross_entropy_with_logits(h, xb)
        opt.zero_grad(); loss.backward(); opt.step()
        losses.append(loss.item())
print(json.dumps(losses))
`;

describe.skipIf(!existsSync(PYTHON))("the deep model's steps against PyTorch's", () => {
  it("follows PyTorch's per-step loss from the same weights and batches", async () => {
    const { train } = await loadMnist({ trainSize: 1024, testSize: 0 });
    const ae = await Autoencoder.create(kerasBlogSetup("deep").config);
    try {
      const { arena } = getEngine();
      const params = ae.slab.params.map(({ spec, tensor }) => ({ name: spec.name, shape: spec.shape, data: Array.from(arena.read(tensor.ptr, tensor.size)) }));
      const epochs = 2;
      const batch = 256;
      const running: number[] = [];
      await ae.fit(train.x, { epochs, batchSize: batch, shuffle: false, onBatchEnd: (_, logs) => void running.push(logs.loss) });
      const input = JSON.stringify({ params, x: Array.from(train.x.data), epochs, batch });
      const torch: number[] = JSON.parse(execFileSync(PYTHON, ["-c", TORCH_STEPS], { input, encoding: "utf8", maxBuffer: 1 << 26 }));
      const perEpoch = 1024 / batch;
      expect(running).toHaveLength(torch.length);
      torch.forEach((_, i) => {
        // onBatchEnd reports the epoch's running mean; the batches are of equal size.
        const from = i - (i % perEpoch);
        const mean = torch.slice(from, i + 1).reduce((a, b) => a + b, 0) / (i + 1 - from);
        expect(Math.abs(running[i]! - mean) / mean, `step ${i}: ours ${running[i]}, PyTorch ${mean}`).toBeLessThan(1e-5);
      });
    } finally {
      ae.dispose();
    }
  }, 60_000);
});
