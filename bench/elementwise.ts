// Elementwise vector math over one 128×784 batch (the decoder output of the
// MNIST autoencoder): our wasm f32x4 kernels against a plain JS loop over
// Math.exp / Math.tanh into a Float32Array. Run: npx tsx bench/elementwise.ts [--quick]
import { cpus } from "node:os";
import { init } from "../src/wasm/module.js";
import { environmentLine, fixed, gigaPerSecond, markdownTable, medianMs, ratio, type TimingOptions } from "./report.js";

const N = 128 * 784;
const quick = process.argv.includes("--quick");
const timing: TimingOptions = quick ? { time: 200, warmupTime: 100, iterations: 10 } : { time: 1000, warmupTime: 300 };

/** Deterministic inputs in [-8, 8) (an LCG; benches need no quality randomness). */
function data(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 16 - 8;
  }
  return out;
}

const { kernels, arena } = await init();
const input = data(N, 7);
const x = arena.alloc(4 * N);
const y = arena.alloc(4 * N);
arena.write(x, input);
const jsOut = new Float32Array(N);

interface Case {
  name: string;
  wasm: () => void;
  js: () => void;
}

const CASES: Case[] = [
  {
    name: "sigmoid",
    wasm: () => kernels.f32_sigmoid(y, x, N),
    js: () => {
      for (let i = 0; i < N; i++) jsOut[i] = 1 / (1 + Math.exp(-input[i]!));
    },
  },
  {
    name: "tanh",
    wasm: () => kernels.f32_tanh(y, x, N),
    js: () => {
      for (let i = 0; i < N; i++) jsOut[i] = Math.tanh(input[i]!);
    },
  },
  {
    name: "exp",
    wasm: () => kernels.f32_exp(y, x, N),
    js: () => {
      for (let i = 0; i < N; i++) jsOut[i] = Math.exp(input[i]!);
    },
  },
];

const rows: string[][] = [];
for (const c of CASES) {
  const wasmMs = await medianMs(`wasm ${c.name}`, c.wasm, timing);
  const jsMs = await medianMs(`js ${c.name}`, c.js, timing);
  // Guard against timing a wrong result: the two must agree to a few f32 ULP.
  c.wasm();
  c.js();
  const ours = arena.read(y, N);
  let worst = 0;
  for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(ours[i]! - jsOut[i]!) / Math.max(Math.abs(jsOut[i]!), 1e-30));
  if (worst > 1e-6) console.warn(`warning: ${c.name} differs from JS Math by ${worst.toExponential(2)} relative`);
  const wasmRate = gigaPerSecond(N, wasmMs);
  const jsRate = gigaPerSecond(N, jsMs);
  rows.push([c.name, fixed(wasmMs * 1e6, 0), fixed(jsMs * 1e6, 0), fixed(wasmRate, 2), fixed(jsRate, 2), ratio(wasmRate, jsRate)]);
}
arena.free(y);
arena.free(x);

console.log(`# elementwise math over 128×784 = ${N} floats (median of one call), single thread`);
console.log(`${environmentLine()}, ${cpus()[0]?.model ?? "unknown CPU"}`);
console.log(`ours: wasm f32x4 kernels; js: a plain loop over Math into a Float32Array\n`);
console.log(markdownTable(["op", "ours ns", "js ns", "ours Gelem/s", "js Gelem/s", "ours/js"], rows));
