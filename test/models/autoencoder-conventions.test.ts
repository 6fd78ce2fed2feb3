// The Autoencoder's conventions for reproducing other libraries' setups, as
// the VAE's: the loss summed over the batch (Keras reduction="sum"), BCE on
// probabilities (from_logits=False) and PyTorch's default initialization;
// checked against each other and against PyTorch itself (/usr/bin/python3).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers, type AutoencoderConfig } from "../../src/index.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine } from "../../src/wasm/module.js";
import { expectClose, randomArray } from "../helpers.js";

const FEATURES = 6;
const ROWS = 5;
const PYTHON = "/usr/bin/python3";
const torchInit = { kernelInitializer: "torchUniform", biasInitializer: "torchUniform" } as const;
const config = (extra: Partial<AutoencoderConfig> = {}): AutoencoderConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(4, { activation: "tanh", ...torchInit })],
  decoder: [layers.dense(FEATURES, { activation: "sigmoid", ...torchInit })],
  loss: "bce",
  seed: 12,
  ...extra,
});
const x = randomArray(ROWS * FEATURES, 8, 0.05, 0.95);

/** The loss parts, the parameters and their gradients for one training step's batch. */
async function step(extra: Partial<AutoencoderConfig>) {
  const ae = await Autoencoder.create(config(extra));
  const { arena } = getEngine();
  const result = arena.scoped(() => {
    const ptr = arena.scratch(x.length * 4);
    arena.write(ptr, x);
    const input = new Tensor(ptr, [ROWS, FEATURES]);
    const tape = new Tape();
    const parts = ae.batchLoss(input, input, { tape, training: true, seed: 12, step: 0 });
    tape.backward();
    return {
      parts,
      params: ae.slab.params.map(({ spec, tensor }) => ({ name: spec.name, shape: spec.shape, data: Array.from(arena.read(tensor.ptr, tensor.size)) })),
      grads: ae.slab.params.map(({ tensor }) => arena.read(tensor.grad!.ptr, tensor.size)),
    };
  });
  ae.dispose();
  return result;
}

// PyTorch on the same weights (our kernels are [in, out], torch's Linear.weight [out, in]) and batch.
const SCRIPT = `
import json, sys, torch
d = json.load(sys.stdin)
p = {t["name"]: torch.tensor(t["data"], dtype=torch.float64).reshape(t["shape"]) for t in d["params"]}
enc, dec = torch.nn.Linear(${FEATURES}, 4).double(), torch.nn.Linear(4, ${FEATURES}).double()
with torch.no_grad():
    enc.weight.copy_(p["encoder.0.kernel"].T); enc.bias.copy_(p["encoder.0.bias"])
    dec.weight.copy_(p["decoder.0.kernel"].T); dec.bias.copy_(p["decoder.0.bias"])
x = torch.tensor(d["x"], dtype=torch.float64).reshape(${ROWS}, ${FEATURES})
out = torch.sigmoid(dec(torch.tanh(enc(x))))
per_sample = torch.nn.BCELoss(reduction="none")(out, x).mean(dim=1)
loss = per_sample.sum() if d["reduction"] == "sum" else per_sample.mean()
loss.backward()
grads = [enc.weight.grad.T, enc.bias.grad, dec.weight.grad.T, dec.bias.grad]
print(json.dumps({"loss": loss.item(), "grads": [g.reshape(-1).tolist() for g in grads]}))
`;

function torchStep(params: unknown, reduction: string): { loss: number; grads: number[][] } | null {
  if (!existsSync(PYTHON)) return null;
  try {
    const input = JSON.stringify({ params, x: Array.from(x), reduction });
    return JSON.parse(execFileSync(PYTHON, ["-c", SCRIPT], { input, encoding: "utf8", stdio: ["pipe", "pipe", "ignore"] }));
  } catch {
    return null;
  }
}

describe("Autoencoder conventions", () => {
  it('reduction "sum" reports the same per-sample loss and takes the batch-size-times gradient (penalties too)', async () => {
    for (const extra of [{}, { loss: "mse" as const }, { sparsity: { l1: 0.01 } }]) {
      const mean = await step(extra);
      const sum = await step({ ...extra, reduction: "sum" });
      expect(sum.parts.loss).toBeCloseTo(mean.parts.loss, 6);
      mean.grads.forEach((g, i) => expectClose(sum.grads[i]!, g.map((v) => v * ROWS), { atol: 1e-7, rtol: 1e-5 }, `${JSON.stringify(extra)} gradient ${i}`));
    }
  });

  it("fromLogits false computes BCE on the probabilities: the same loss and gradient where no clamp applies", async () => {
    const logits = await step({});
    const probabilities = await step({ fromLogits: false });
    expect(Math.abs(probabilities.parts.loss - logits.parts.loss)).toBeLessThan(1e-5 * logits.parts.loss);
    logits.grads.forEach((g, i) => expectClose(probabilities.grads[i]!, g, { atol: 1e-7, rtol: 1e-4 }, `gradient ${i}`));
  });

  const available = existsSync(PYTHON);
  it.skipIf(!available)("PyTorch's nn.BCELoss on probabilities, torchUniform weights, mean and sum over the batch: the same loss and gradients", async () => {
    for (const reduction of ["mean", "sum"] as const) {
      const ours = await step({ fromLogits: false, reduction });
      const torch = torchStep(ours.params, reduction);
      expect(torch, "PyTorch ran").not.toBeNull();
      const total = reduction === "sum" ? ROWS : 1;
      expect(Math.abs(ours.parts.loss * total - torch!.loss)).toBeLessThan(1e-6 * torch!.loss);
      ours.grads.forEach((g, i) => expectClose(g, torch!.grads[i]!, { atol: 1e-7, rtol: 1e-5 }, `${reduction}: gradient ${i}`));
    }
  });

  it("trains differently under each convention, keeps it through save and load, and refuses unknown ones", async () => {
    const data = { data: randomArray(64 * FEATURES, 3, 0, 1), shape: [64, FEATURES] };
    const a = await Autoencoder.create(config());
    const b = await Autoencoder.create(config({ reduction: "sum", fromLogits: false }));
    const ha = await a.fit(data, { epochs: 2, batchSize: 16 });
    const hb = await b.fit(data, { epochs: 2, batchSize: 16 });
    expect(hb.loss[1]).not.toBe(ha.loss[1]);
    const back = await Autoencoder.load(b.save());
    expect(await back.fit(data, { epochs: 1, batchSize: 16 })).toEqual(await b.fit(data, { epochs: 1, batchSize: 16 }));
    // The defaults stay out of the file: a model made with them spelled out saves the same bytes.
    const plain = await Autoencoder.create(config());
    const spelled = await Autoencoder.create(config({ reduction: "mean", fromLogits: true }));
    expect(Array.from(spelled.save())).toEqual(Array.from(plain.save()));
    for (const m of [a, b, back, plain, spelled]) m.dispose();
    await expect(Autoencoder.create(config({ reduction: "batchmean" as never }))).rejects.toThrow(/reduction "batchmean"/);
    await expect(Autoencoder.create(config({ fromLogits: 1 as never }))).rejects.toThrow(ConfigError);
  });
});
