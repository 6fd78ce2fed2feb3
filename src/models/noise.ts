// Corrupting data outside of training (e.g. noisy test images for a denoiser),
// with the same seeded noise kernels that denoising training uses.
import { checkNoise, corrupt, type NoiseConfig } from "../ops/corrupt.js";
import { STREAM } from "../ops/streams.js";
import { Tensor } from "../ops/tensor.js";
import { getEngine, init } from "../wasm/module.js";
import { assertFinite, toBatch, type DataInput, type TensorData } from "./data.js";
import { checkSeed } from "./base.js";

/** A corrupted copy of x ([N, ...] as given); the same seed gives the same noise. */
export async function addNoise(x: DataInput, noise: NoiseConfig, options: { seed?: number } = {}): Promise<TensorData> {
  await init();
  checkNoise(noise, "addNoise");
  const seed = checkSeed(options.seed);
  const shape = Array.isArray(x) ? [x.length, (x[0] ?? []).length] : [...(x as { shape: readonly number[] }).shape];
  const batch = toBatch(x, shape.slice(1), "addNoise x");
  const { arena } = getEngine();
  return arena.scoped(() => {
    const ptr = arena.scratch(batch.data.length * 4);
    arena.write(ptr, batch.data);
    assertFinite(getEngine(), ptr, batch.rows, batch.cols, "addNoise x");
    const y = corrupt(new Tensor(ptr, [batch.rows, batch.cols]), noise, seed, STREAM.addNoise, 0);
    return { data: arena.read(y.ptr, y.size), shape };
  });
}
