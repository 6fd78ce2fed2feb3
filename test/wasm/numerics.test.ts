// numerics "fma" in one realm: init loads the FMA core (its relaxed_madd
// fused here, checked by the probe), the gemm follows the documented order
// with each step rounded once (against an exactly rounded f64 emulation),
// its few-row, packed and column-range paths agree bit for bit, its bits
// differ from "exact", and models record the profile in their files.
// (Across runtimes: test/runtimes/fma.test.ts.)
import { afterEach, describe, expect, it, vi } from "vitest";
import { Autoencoder, ConfigError, init, layers, ModelFormatError, UnsupportedRuntimeError, type AutoencoderConfig } from "../../src/index.js";
import { decodeModelFile, encodeModelFile } from "../../src/io/model-file.js";
import { assertFusedMadd } from "../../src/wasm/numerics.js";
import type { Engine } from "../../src/wasm/module.js";
import { put, randomArray } from "../helpers.js";
import { fma32, gemmFusedOrder } from "../reference/fma.js";
import { gemmExactOrder } from "../reference/gemm.js";

const fmaEngine = (): Promise<Engine> => init({ numerics: "fma" });

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

function gemmNn(e: Engine, m: number, n: number, k: number, a: Float32Array, b: Float32Array, bias: Float32Array | null, c0: Float32Array | null, cols?: number[]): Float32Array {
  return e.arena.scoped(() => {
    const ap = put(e, a);
    const bp = put(e, b);
    const biasp = bias ? put(e, bias) : 0;
    const c = put(e, c0 ?? new Float32Array(m * n).fill(Number.NaN));
    const bytes = e.kernels.gemm_workspace_bytes(m, n, k);
    const bounds = cols ?? [0, n];
    for (let s = 1; s < bounds.length; s++) {
      e.kernels.f32_gemm_nn_range(c, ap, bp, biasp, m, n, k, c0 ? 1 : 0, 0, m, bounds[s - 1]!, bounds[s]!, e.arena.scratch(bytes));
    }
    return e.arena.read(c, m * n).slice();
  });
}

describe('numerics "fma"', () => {
  afterEach(() => vi.restoreAllMocks());

  it("the emulation rounds once: the probe's values, and fused against separate rounding", () => {
    expect(fma32(1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11))).toBe(2 ** -24);
    expect(Math.fround(Math.fround((1 + 2 ** -12) ** 2) - (1 + 2 ** -11))).toBe(0);
    expect(fma32(3, 5, 7)).toBe(22);
    expect(fma32(-(1 + 2 ** -12), 1 + 2 ** -12, 1 + 2 ** -11)).toBe(-(2 ** -24));
  });

  it("loads the FMA core; a second init with the other profile is refused, one without returns it", async () => {
    const e = await fmaEngine();
    expect(e.numerics).toBe("fma");
    expect(await init()).toBe(e);
    await expect(init({ numerics: "exact" })).rejects.toThrow(ConfigError);
    await expect(init({ numerics: "exact" })).rejects.toThrow(/already runs numerics "fma", not "exact"/);
    await expect(init({ numerics: "fast" as never })).rejects.toThrow(/expected numerics "exact" or "fma", found "fast"/);
  });

  it("gemm: each depth fused, in the documented order; few-row, packed and column-split paths give one result", async () => {
    const e = await fmaEngine();
    let differsFromExact = 0;
    for (const [n, k] of [[13, 9], [37, 300], [512, 257], [784, 31], [5, 1031]] as const) {
      const b = randomArray(k * n, n + k);
      const bias = randomArray(n, 3);
      const a5 = randomArray(5 * k, 4 * k + 1);
      const c5 = randomArray(5 * n, 9);
      for (const acc of [false, true]) {
        const packed = gemmNn(e, 5, n, k, a5, b, bias, acc ? c5 : null);
        const want = gemmFusedOrder(a5, b, bias, 5, n, k, acc ? c5 : null);
        expect(bits(packed), `packed 5x${n}x${k} accumulate=${acc}`).toEqual(bits(want));
        for (const m of [1, 2, 3]) {
          const few = gemmNn(e, m, n, k, a5.subarray(0, m * k), b, bias, acc ? c5.subarray(0, m * n) : null);
          expect(bits(few), `few-row ${m}x${n}x${k} accumulate=${acc}`).toEqual(bits(packed.subarray(0, m * n)));
          const split = gemmNn(e, m, n, k, a5.subarray(0, m * k), b, bias, acc ? c5.subarray(0, m * n) : null, [0, 3, n >> 1, n - 1, n].map((j) => Math.min(j, n)).sort((x, y) => x - y));
          expect(bits(split), `columns split ${m}x${n}x${k}`).toEqual(bits(few));
        }
        const exact = gemmExactOrder("nn", a5, b, bias, 5, n, k, acc ? c5 : null);
        differsFromExact += bits(exact).filter((x, i) => x !== bits(packed)[i]).length;
      }
    }
    expect(differsFromExact, "elements where fused and separate rounding differ").toBeGreaterThan(100);
  });

  it("trains a dense and a conv autoencoder to the same bytes twice; the files record the profile", async () => {
    await fmaEngine();
    const dense: AutoencoderConfig = {
      input: [12], encoder: [layers.dense(6, "relu"), layers.dense(3)], decoder: [layers.dense(6, "relu"), layers.dense(12, "sigmoid")], seed: 5,
    };
    const conv: AutoencoderConfig = {
      input: [8, 8, 1],
      encoder: [layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu" }), layers.batchNorm(), layers.flatten(), layers.dense(4)],
      decoder: [layers.dense(64, "leakyRelu"), layers.reshape([4, 4, 4]), layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: "same", activation: "sigmoid" })],
      loss: "bce", seed: 3,
    };
    for (const [config, shape] of [[dense, [40, 12]], [conv, [24, 8, 8, 1]]] as [AutoencoderConfig, number[]][]) {
      const x = { data: randomArray(shape.reduce((p, d) => p * d, 1), 17, 0, 1), shape };
      const train = async () => {
        const model = await Autoencoder.create(config);
        await model.fit(x, { epochs: 3, batchSize: 8 });
        const saved = model.save();
        model.dispose();
        return saved;
      };
      const first = await train();
      expect(bits(new Float32Array(first.slice().buffer, 0, first.length >> 2))).toEqual(bits(new Float32Array((await train()).slice().buffer, 0, first.length >> 2)));
      expect((decodeModelFile(first).config as { numerics?: string }).numerics).toBe("fma");
      const loaded = await Autoencoder.load(first);
      expect(loaded.numerics).toBe("fma");
      await loaded.fit(x, { epochs: 1, batchSize: 8 });
      loaded.dispose();
    }
  });

  it('a file that records "exact" loads and infers under "fma", refuses to train; an unknown profile is a ModelFormatError', async () => {
    await fmaEngine();
    const x = { data: randomArray(16 * 6, 2, 0, 1), shape: [16, 6] };
    const model = await Autoencoder.create({ input: [6], encoder: [layers.dense(2)], decoder: [layers.dense(6, "sigmoid")], seed: 1 });
    await model.fit(x, { epochs: 1, batchSize: 8 });
    // As a model trained by an "exact" engine saves itself: no numerics field.
    model.numerics = "exact";
    const exactFile = model.save();
    expect("numerics" in (decodeModelFile(exactFile).config as object)).toBe(false);
    const loaded = await Autoencoder.load(exactFile);
    expect(loaded.numerics).toBe("exact");
    expect(loaded.reconstruct(x).data.length).toBe(16 * 6);
    await expect(loaded.fit(x, { epochs: 1 })).rejects.toThrow(ConfigError);
    await expect(loaded.fit(x, { epochs: 1 })).rejects.toThrow(/trained with numerics "exact", the engine runs "fma": init\(\{ numerics: "exact" \}\)/);
    // Not trained yet: it takes the engine's profile.
    const fresh = await Autoencoder.load((await Autoencoder.create({ input: [6], encoder: [layers.dense(2)], decoder: [layers.dense(6)], seed: 1 })).save());
    fresh.numerics = "exact";
    await fresh.fit(x, { epochs: 1 });
    expect(fresh.numerics).toBe("fma");
    const file = decodeModelFile(exactFile);
    const bogus = encodeModelFile({ ...(file.config as object), numerics: "bf16" }, [...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })));
    await expect(Autoencoder.load(bogus)).rejects.toThrow(ModelFormatError);
    await expect(Autoencoder.load(bogus)).rejects.toThrow(/expected numerics "exact" or "fma", found "bf16"/);
    for (const m of [model, loaded, fresh]) m.dispose();
  });

  it("the runtime check: no relaxed SIMD, or a relaxed_madd that rounds twice, is an UnsupportedRuntimeError saying so", async () => {
    vi.spyOn(WebAssembly, "validate").mockReturnValue(false);
    await expect(assertFusedMadd()).rejects.toThrow(UnsupportedRuntimeError);
    await expect(assertFusedMadd()).rejects.toThrow(/needs WebAssembly relaxed SIMD, which this runtime does not have/);
    vi.restoreAllMocks();
    const Unfused = function () {
      return { exports: { p: (a: number, b: number, c: number) => Math.fround(Math.fround(a * b) + c) } };
    };
    vi.spyOn(WebAssembly, "Instance").mockImplementation(Unfused as never);
    await expect(assertFusedMadd()).rejects.toThrow(/relaxed_madd is not fused: .* gave 0, one rounding gives 5\.96/);
  });
});
