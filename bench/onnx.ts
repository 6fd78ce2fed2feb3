// An imported PyTorch model beside onnxruntime on the same ONNX file: a
// 28×28 conv autoencoder (Conv2d stride 2 padding 1 ×2, Linear to a 32-wide
// code and back, ConvTranspose2d ×2, Sigmoid) made and exported by Debian's
// torch, run by ours (fromOnnx) and by onnxruntime-node and onnxruntime-web
// (1 and 2 threads). Each runs in a fresh child process, so "bytes to first
// output" is a cold start: the runtime's load (wasm compile, native addon),
// the session or model built from the file's bytes, and one batch-1 run.
// Then tinybench medians of batch-1 latency and batch-256 throughput, and the
// size each ships. With one channel, the NHWC input ours reads and the NCHW
// one onnxruntime reads are the same bytes.
// Run: npm run build && npx tsx bench/onnx.ts [--quick]   (needs /usr/bin/python3 with torch; ours runs dist/onnx.js)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { environmentLine, fixed, markdownTable, medianTimes, type TimingOptions } from "./report.js";

const PYTHON = "/usr/bin/python3";
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const quick = process.argv.includes("--quick");
const peer = process.argv.find((a) => a.startsWith("--peer="))?.slice("--peer=".length);
const modelPath = process.argv.find((a) => a.startsWith("--model="))?.slice("--model=".length);
const timing: TimingOptions = quick ? { time: 1500, warmupTime: 300, iterations: 30, rounds: 3 } : { time: 6000, warmupTime: 1000, iterations: 100, rounds: 3 };

const EXPORT_SCRIPT = `
import sys, torch
from torch import nn
torch.manual_seed(0)
class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 7 * 7, 32))
        self.expand = nn.Sequential(nn.Linear(32, 32 * 7 * 7), nn.ReLU())
        self.decoder = nn.Sequential(nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(), nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
    def forward(self, x):
        return self.decoder(self.expand(self.encoder(x)).reshape(-1, 32, 7, 7))
torch.onnx.export(AE().eval(), torch.rand(1, 1, 28, 28), sys.argv[1], input_names=["input"], output_names=["reconstruction"],
                  dynamic_axes={"input": {0: "batch"}, "reconstruction": {0: "batch"}}, opset_version=13)
`;

const batch = (rows: number) => Float32Array.from({ length: rows * PIXELS }, (_, i) => ((i * 37) % 101) / 101);

interface PeerResult { firstMs: number; latencyMs: number; batchMs: number; output: number[] }

type Runner = (rows: number, data: Float32Array) => Promise<Float32Array> | Float32Array;

/** Builds a peer from the file's bytes; returns its runner. */
async function create(name: string, bytes: Uint8Array): Promise<Runner> {
  if (name === "ours") {
    // The shipped bundle (npm run build), as the others are; the sources through tsx otherwise.
    const bundle = new URL("../dist/onnx.js", import.meta.url);
    const { fromOnnx } = (existsSync(fileURLToPath(bundle)) ? await import(bundle.href) : await import("../src/interop/index.js")) as typeof import("../src/interop/index.js");
    const model = await fromOnnx(bytes);
    return (rows, data) => model.reconstruct({ data, shape: [rows, SIDE, SIDE, 1] }).data;
  }
  if (name === "ort-node") {
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" });
    return async (rows, data) => (await session.run({ input: new ort.Tensor("float32", data, [rows, 1, SIDE, SIDE]) })).reconstruction!.data as Float32Array;
  }
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = name === "ort-web-2" ? 2 : 1;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  return async (rows, data) => (await session.run({ input: new ort.Tensor("float32", data, [rows, 1, SIDE, SIDE]) })).reconstruction!.data as Float32Array;
}

if (peer) {
  const bytes = new Uint8Array(readFileSync(modelPath!));
  const one = batch(1);
  const many = batch(256);
  const start = performance.now();
  const run = await create(peer, bytes);
  const output = Array.from(await run(1, one));
  const firstMs = performance.now() - start;
  const times = await medianTimes({ latency: () => run(1, one), batch: () => run(256, many) }, timing);
  const result: PeerResult = { firstMs, latencyMs: times.latency, batchMs: times.batch, output };
  console.log(JSON.stringify(result));
  process.exit(0);
}

if (!existsSync(PYTHON)) throw new Error(`bench/onnx.ts: needs ${PYTHON} with torch to export the model`);
const dir = mkdtempSync(join(tmpdir(), "bench-onnx-"));
const file = join(dir, "conv-ae.onnx");
const exported = spawnSync(PYTHON, ["-c", EXPORT_SCRIPT, file], { encoding: "utf8" });
if (exported.status !== 0) throw new Error(`bench/onnx.ts: the PyTorch export failed: ${exported.stderr.slice(-2000)}`);

function inChild(name: string): PeerResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), `--peer=${name}`, `--model=${file}`, ...(quick ? ["--quick"] : [])], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench/onnx.ts: ${name} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as PeerResult;
}

const here = fileURLToPath(new URL("..", import.meta.url));
const gz = (path: string) => (existsSync(path) ? gzipSync(readFileSync(path)).length : NaN);
const raw = (path: string) => (existsSync(path) ? statSync(path).size : NaN);
const kb = (n: number) => (Number.isNaN(n) ? "–" : fixed(n / 1024, 1));
const mb = (n: number) => (Number.isNaN(n) ? "–" : fixed(n / 2 ** 20, 1));
const webDist = join(here, "node_modules/onnxruntime-web/dist");
const nodeBin = join(here, "node_modules/onnxruntime-node/bin");
const nativeBytes = (function walk(d: string): number {
  if (!existsSync(d)) return NaN;
  return readdirSync(d, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? walk(join(d, e.name)) : e.name.includes(process.platform === "linux" ? ".so" : ".") && join(d, e.name).includes(`${process.platform}/${process.arch}`) ? statSync(join(d, e.name)).size : 0), 0);
})(nodeBin);

const peers = [["ours (fromOnnx)", "ours"], ["onnxruntime-node, 1 thread", "ort-node"], ["onnxruntime-web, 1 thread", "ort-web-1"], ["onnxruntime-web, 2 threads", "ort-web-2"]] as const;
const results = Object.fromEntries(peers.map(([, name]) => [name, inChild(name)])) as Record<string, PeerResult>;
const ours = results.ours!.output;
const diff = (o: number[]) => o.reduce((m, v, i) => Math.max(m, Math.abs(v - ours[i]!)), 0);
const sizes: Record<string, string> = {
  ours: `dist/index.js + dist/onnx.js: ${kb(gz(join(here, "dist/index.js")) + gz(join(here, "dist/onnx.js")))} KB gzip (${kb(raw(join(here, "dist/index.js")) + raw(join(here, "dist/onnx.js")))} KB; the wasm is inside)`,
  "ort-node": `native addon and libonnxruntime: ${mb(nativeBytes)} MB`,
  "ort-web-1": `ort-wasm-simd-threaded.wasm ${mb(raw(join(webDist, "ort-wasm-simd-threaded.wasm")))} MB (${mb(gz(join(webDist, "ort-wasm-simd-threaded.wasm")))} MB gzip) + ort.min.mjs ${kb(gz(join(webDist, "ort.min.mjs")))} KB gzip`,
};
sizes["ort-web-2"] = sizes["ort-web-1"]!;

console.log(environmentLine());
console.log(`model: PyTorch conv AE, 28×28×1 → 32 → 28×28×1 (${kb(raw(file))} KB ONNX file); medians over ${timing.rounds} rounds, each peer in its own process\n`);
console.log(markdownTable(
  ["runtime", "bytes to first output, ms (cold)", "batch-1 latency, ms", "batch-256 throughput, samples/s", "max |Δ| vs ours", "ships"],
  peers.map(([label, name]) => {
    const r = results[name]!;
    return [label, fixed(r.firstMs, 0), fixed(r.latencyMs, 3), fixed((256 / r.batchMs) * 1000, 0), name === "ours" ? "–" : diff(r.output).toExponential(1), sizes[name]!];
  }),
));
