// PyTorch's default initialization ("torchUniform") against PyTorch itself:
// the fan_in its own init code computes for nn.Linear, nn.Conv2d and
// nn.ConvTranspose2d, and the largest |value| of what it draws.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers } from "../../src/index.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = `
import json, torch
from torch.nn import init
torch.manual_seed(0)
out = {}
for name, m in [("dense", torch.nn.Linear(784, 400)), ("conv", torch.nn.Conv2d(6, 10, 3)), ("convT", torch.nn.ConvTranspose2d(10, 6, 5))]:
    fan_in, _ = init._calculate_fan_in_and_fan_out(m.weight)
    out[name] = {"fanIn": fan_in, "weightMax": m.weight.abs().max().item(), "biasMax": m.bias.abs().max().item()}
print(json.dumps(out))
`;

function torchFacts(): Record<string, { fanIn: number; weightMax: number; biasMax: number }> | null {
  if (!existsSync(PYTHON)) return null;
  try {
    return JSON.parse(execFileSync(PYTHON, ["-c", SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    return null;
  }
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const torch = { kernelInitializer: "torchUniform", biasInitializer: "torchUniform" } as const;

async function params(config: Parameters<typeof Autoencoder.create>[0]): Promise<Map<string, Float32Array>> {
  const ae = await Autoencoder.create(config);
  const names = ae.slab.params.map((p) => p.spec.name);
  const values = new Map(ae.slab.read().map((t, i) => [names[i]!, t.data]));
  ae.dispose();
  return values;
}

describe("torchUniform: PyTorch's default Linear and Conv initialization", () => {
  const facts = torchFacts();

  it.skipIf(facts === null)("draws within PyTorch's bound 1/√fan_in, from PyTorch's fan_in, as wide as PyTorch's draws", async () => {
    const dense = await params({ input: [784], encoder: [layers.dense(400, torch)], decoder: [layers.dense(784)], seed: 3 });
    const conv = await params({
      input: [8, 8, 6],
      encoder: [layers.conv2d({ filters: 10, kernelSize: 3, padding: "same", ...torch })],
      decoder: [layers.conv2dTranspose({ filters: 6, kernelSize: 5, padding: "same", ...torch })],
      seed: 4,
    });
    const cases = [
      ["dense", dense.get("encoder.0.kernel")!, dense.get("encoder.0.bias")!],
      ["conv", conv.get("encoder.0.kernel")!, conv.get("encoder.0.bias")!],
      ["convT", conv.get("decoder.0.kernel")!, conv.get("decoder.0.bias")!],
    ] as const;
    for (const [name, kernel, bias] of cases) {
      const f = facts![name]!;
      const bound = 1 / Math.sqrt(f.fanIn);
      // f32 rounding of the bound and of each draw stays within 1e-6 of it.
      expect(maxAbs(kernel), `${name} kernel`).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(maxAbs(bias), `${name} bias`).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(maxAbs(bias), `${name} bias is drawn, not zero`).toBeGreaterThan(0);
      // With ≥ 540 uniform draws the largest |w| is within ~1% of the bound for both libraries.
      expect(Math.abs(maxAbs(kernel) - f.weightMax) / bound, `${name}: ours ${maxAbs(kernel)}, PyTorch ${f.weightMax}`).toBeLessThan(0.03);
    }
    // The Keras defaults are unchanged: Glorot-uniform kernels, zero biases.
    const keras = await params({ input: [784], encoder: [layers.dense(400)], decoder: [layers.dense(784)], seed: 3 });
    expect(maxAbs(keras.get("encoder.0.bias")!)).toBe(0);
    expect(maxAbs(keras.get("encoder.0.kernel")!)).toBeGreaterThan(1 / 28);
    expect(maxAbs(keras.get("encoder.0.kernel")!)).toBeLessThanOrEqual(Math.sqrt(6 / (784 + 400)) * (1 + 1e-6));
  });

  it("refuses an unknown bias initializer with a ConfigError", async () => {
    await expect(Autoencoder.create({ input: [4], encoder: [layers.dense(2, { biasInitializer: "glorotUniform" as never })], decoder: [layers.dense(4)] })).rejects.toThrow(ConfigError);
    await expect(Autoencoder.create({ input: [4, 4, 1], encoder: [layers.conv2d({ filters: 2, kernelSize: 3, biasInitializer: "ones" as never })], decoder: [layers.flatten(), layers.dense(16), layers.reshape([4, 4, 1])] })).rejects.toThrow(/biasInitializer "ones"/);
  });
});
