// `autoencoders export` and `autoencoders import`, run in-process: a saved
// model goes out to ONNX and back to a model file that reconstructs the same.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run } from "../../src/cli/run.js";
import { Autoencoder, layers, VAE } from "../../src/index.js";
import { randomArray } from "../helpers.js";

let dir: string;
const at = (name: string) => join(dir, name);

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, (t) => { stdout += t; }, (t) => { stderr += t; });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "onnx-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("autoencoders export / import", () => {
  test("an Autoencoder file to ONNX and back reconstructs the same", async () => {
    const model = await Autoencoder.create({ input: [6], encoder: [layers.dense(4, "relu"), layers.dense(2)], decoder: [layers.dense(6, "sigmoid")], seed: 2 });
    await writeFile(at("ae.aenc"), model.save());
    const out = await cli("export", at("ae.aenc"), "--onnx", at("ae.onnx"));
    expect(out, out.stderr).toMatchObject({ code: 0 });
    const back = await cli("import", at("ae.onnx"), "--out", at("back.aenc"));
    expect(back, back.stderr).toMatchObject({ code: 0 });
    const loaded = await Autoencoder.load(new Uint8Array(await readFile(at("back.aenc"))));
    const x = { data: randomArray(8 * 6, 3, 0, 1), shape: [8, 6] };
    expect(loaded.reconstruct(x).data).toEqual(model.reconstruct(x).data);
    for (const m of [model, loaded]) m.dispose();
  });

  test("--part encoder of a VAE writes mu and logVar; a bad part or a missing flag is a usage error (exit 2)", async () => {
    const vae = await VAE.create({ input: [5], encoder: [layers.dense(4, "relu")], latent: 2, decoder: [layers.dense(5, "sigmoid")] });
    await writeFile(at("vae.aenc"), vae.save());
    vae.dispose();
    expect((await cli("export", at("vae.aenc"), "--onnx", at("vae-enc.onnx"), "--part", "encoder")).code).toBe(0);
    const text = new TextDecoder().decode(await readFile(at("vae-enc.onnx")));
    expect(text).toContain("logVar");
    const bad = await cli("export", at("vae.aenc"), "--onnx", at("x.onnx"), "--part", "middle");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--part: expected one of full, encoder, decoder, found "middle"/);
    expect((await cli("import", at("vae-enc.onnx"))).stderr).toMatch(/import: expected --out FILE/);
  });

  test("a VAE's encoder and decoder graphs import as a VAE file (--mu, --logvar, --decoder)", async () => {
    const vae = await VAE.create({ input: [5], encoder: [layers.dense(4, "relu")], latent: 2, decoder: [layers.dense(5, "sigmoid")], seed: 4 });
    await writeFile(at("vae2.aenc"), vae.save());
    expect((await cli("export", at("vae2.aenc"), "--onnx", at("vae2-enc.onnx"), "--part", "encoder")).code).toBe(0);
    expect((await cli("export", at("vae2.aenc"), "--onnx", at("vae2-dec.onnx"), "--part", "decoder")).code).toBe(0);
    const back = await cli("import", at("vae2-enc.onnx"), "--mu", "mu", "--logvar", "logVar", "--decoder", at("vae2-dec.onnx"), "--out", at("vae2-back.aenc"));
    expect(back, back.stderr).toMatchObject({ code: 0 });
    const loaded = await VAE.load(new Uint8Array(await readFile(at("vae2-back.aenc"))));
    const x = { data: randomArray(6 * 5, 8, 0, 1), shape: [6, 5] };
    expect(loaded.reconstruct(x).data).toEqual(vae.reconstruct(x).data);
    const half = await cli("import", at("vae2-enc.onnx"), "--mu", "mu", "--out", at("x.aenc"));
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/expected --mu and --logvar together/);
    for (const m of [vae, loaded]) m.dispose();
  });

  test("a file that is not ONNX fails with exit 1, naming the path", async () => {
    await writeFile(at("junk.onnx"), "not a model");
    const out = await cli("import", at("junk.onnx"), "--out", at("junk.aenc"));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("junk.onnx:");
  });
});
