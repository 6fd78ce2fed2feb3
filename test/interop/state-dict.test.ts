// PyTorch state_dicts in safetensors: the files torch wrote (fixtures/
// make_fixtures.py) load into our matching configs and give PyTorch's
// outputs; ours → PyTorch (a strict load_state_dict) → ours is bit-exact;
// missing, misshapen and left-over tensors are typed errors.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers, VAE, type AutoencoderConfig, type VAEConfig } from "../../src/index.js";
import { loadStateDict, toStateDict } from "../../src/interop/index.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";

const exec = promisify(execFile);
const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const PYTHON = "/usr/bin/python3";
const TOLERANCE = 1e-5;
const torchPresent = existsSync(PYTHON) && (await exec(PYTHON, ["-c", "import torch, numpy"]).then(() => true, () => false));

// Our configs mirroring make_fixtures.py's modules, layer for layer.
const DENSE: AutoencoderConfig = {
  input: [12],
  encoder: [layers.dense(8), layers.activation("relu"), layers.dense(3), layers.activation("tanh")],
  decoder: [layers.dense(8), layers.activation("softplus"), layers.dense(12), layers.activation("sigmoid")],
};
const CONV: AutoencoderConfig = {
  input: [8, 8, 1],
  encoder: [
    layers.conv2d({ filters: 4, kernelSize: 3, padding: "same" }), layers.batchNorm({ epsilon: 1e-5, momentum: 0.9 }), layers.leakyRelu(0.2), layers.maxPool2d(),
    layers.conv2d({ filters: 8, kernelSize: 4, strides: 2, padding: "same" }), layers.activation("relu"), layers.flatten(), layers.dense(6),
  ],
  decoder: [
    layers.dense(32), layers.activation("relu"), layers.reshape([2, 2, 8]),
    layers.conv2dTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: [[1, 1], [1, 1]] }), layers.batchNorm({ epsilon: 1e-5, momentum: 0.9 }), layers.leakyRelu(0.2),
    layers.upSampling2d(), layers.conv2d({ filters: 1, kernelSize: 3, padding: "same" }), layers.activation("sigmoid"),
  ],
};
const CONV_NAMES = { "decoder.0": "expand.0", "decoder.3": "decoder.0", "decoder.4": "decoder.1", "decoder.7": "decoder.4" };
const PAD = [[1, 1], [1, 1]] as const;
const VAE_CONFIG: VAEConfig = {
  input: [8, 8, 1], latent: 3,
  encoder: [
    layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: PAD }), layers.batchNorm({ epsilon: 1e-5, momentum: 0.9 }), layers.leakyRelu(0.1),
    layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: PAD }), layers.activation("relu"), layers.flatten(),
  ],
  decoder: [
    layers.dense(32), layers.activation("relu"), layers.reshape([2, 2, 8]),
    layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: PAD, outputPadding: 1 }), layers.batchNorm({ epsilon: 1e-5, momentum: 0.9 }), layers.leakyRelu(0.1),
    layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: PAD, outputPadding: 1 }), layers.activation("sigmoid"),
  ],
};
const VAE_NAMES = { "mu.0": "fc_mu", "logVar.0": "fc_logvar", "decoder.0": "expand.0", "decoder.3": "decoder.0", "decoder.4": "decoder.1", "decoder.6": "decoder.3" };

interface Expected { shape: number[]; input: number[]; output: number[]; mu?: number[] }
const expected = JSON.parse(await readFile(join(FIXTURES, "expected.json"), "utf8")) as Record<string, Expected>;
const fixture = async (name: string) => new Uint8Array(await readFile(join(FIXTURES, `${name}.safetensors`)));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const weightsOf = (model: Autoencoder | VAE) => [...model.slab.read(), ...model.states.read()];

describe("PyTorch state_dicts in safetensors", () => {
  it("torch's dense AE, conv AE (BatchNorm, running statistics) and conv VAE give PyTorch's outputs", async () => {
    for (const [name, create, names] of [
      ["dense-ae", () => Autoencoder.create(DENSE), undefined],
      ["conv-ae", () => Autoencoder.create(CONV), CONV_NAMES],
    ] as const) {
      const model = await create();
      loadStateDict(model, await fixture(name), names ? { names } : {});
      const { shape, input, output } = expected[name]!;
      expect(maxAbsDiff(model.reconstruct({ data: Float32Array.from(input), shape }).data, output), name).toBeLessThanOrEqual(TOLERANCE);
      model.dispose();
    }
    const vae = await VAE.create(VAE_CONFIG);
    loadStateDict(vae, await fixture("vae"), { names: VAE_NAMES });
    const { shape, input, output, mu } = expected["vae"]!;
    const x = { data: Float32Array.from(input), shape };
    expect(maxAbsDiff(vae.encode(x, { logVariance: true }).mean.data, mu!)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(vae.reconstruct(x).data, output)).toBeLessThanOrEqual(TOLERANCE);
    vae.dispose();
  });

  it("toStateDict writes back the bits torch wrote (names, layouts, the NCHW reorderings)", async () => {
    const bytes = await fixture("vae");
    const vae = await VAE.create(VAE_CONFIG);
    loadStateDict(vae, bytes, { names: VAE_NAMES });
    const ours = decodeSafetensors(toStateDict(vae, { names: VAE_NAMES })).tensors;
    const torch = decodeSafetensors(bytes, { skip: (_, dtype) => dtype === "I64" }).tensors;
    expect([...ours.keys()].sort()).toEqual([...torch.keys()].sort());
    for (const [name, t] of torch) {
      expect(ours.get(name)!.shape, name).toEqual(t.shape);
      expect(ours.get(name)!.data, name).toEqual(t.data);
    }
    vae.dispose();
  });

  it("typed errors: a missing tensor, a wrong shape, tensors no layer takes", async () => {
    const model = await Autoencoder.create(CONV);
    const bytes = await fixture("conv-ae");
    expect(() => loadStateDict(model, bytes)).toThrow(ConfigError);
    expect(() => loadStateDict(model, bytes)).toThrow(/expected "decoder.0.weight" of shape \[32, 6\] for decoder.0 \(dense\), found \[8, 4, 4, 4\]/);
    const dense = await Autoencoder.create(DENSE);
    expect(() => loadStateDict(dense, bytes)).toThrow(/expected "encoder.0.weight" of shape \[8, 12\] for encoder.0 \(dense\), found \[4, 1, 3, 3\]/);
    const torch = decodeSafetensors(await fixture("dense-ae")).tensors;
    const extra = encodeSafetensors([...[...torch].map(([name, t]) => ({ name, ...t })), { name: "head.weight", shape: [2], data: new Float32Array(2) }]);
    expect(() => loadStateDict(dense, extra)).toThrow(/1 tensor\(s\) no layer takes: "head.weight"; map their modules with names, or pass strict: false/);
    loadStateDict(dense, extra, { strict: false });
    for (const m of [model, dense]) m.dispose();
  });

  it.skipIf(!torchPresent)("ours → PyTorch's strict load_state_dict → ours is bit-exact, for each model", async () => {
    const dir = await mkdtemp(join(tmpdir(), "state-dict-"));
    try {
      const x8 = { data: Float32Array.from({ length: 16 * 64 }, (_, i) => ((i * 7919) % 101) / 100), shape: [16, 8, 8, 1] };
      const x12 = { data: Float32Array.from({ length: 16 * 12 }, (_, i) => ((i * 7919) % 101) / 100), shape: [16, 12] };
      for (const [kind, create, names, x] of [
        ["dense-ae", () => Autoencoder.create({ ...DENSE, seed: 3 }), {}, x12],
        ["conv-ae", () => Autoencoder.create({ ...CONV, seed: 3 }), CONV_NAMES, x8],
        ["vae", () => VAE.create({ ...VAE_CONFIG, seed: 3 }), VAE_NAMES, x8],
      ] as const) {
        const model: Autoencoder | VAE = await create();
        // Trained here first, so the weights and running statistics are ours, not an initializer's.
        await (model as Autoencoder).fit(x, { epochs: 2, batchSize: 8 });
        await writeFile(join(dir, "ours.safetensors"), toStateDict(model, { names }));
        await exec(PYTHON, [join(FIXTURES, "make_fixtures.py"), "--roundtrip", kind, join(dir, "ours.safetensors"), join(dir, "back.safetensors")], { timeout: 120_000 });
        const back: Autoencoder | VAE = await create();
        loadStateDict(back, new Uint8Array(await readFile(join(dir, "back.safetensors"))), { names });
        const [a, b] = [weightsOf(model), weightsOf(back)];
        expect(b.map((t) => t.name)).toEqual(a.map((t) => t.name));
        a.forEach((t, i) => expect(b[i]!.data, `${kind} ${t.name}`).toEqual(t.data));
        model.dispose();
        back.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
