// Convolutions of the convolutional autoencoder at batch 64, ours (implicit
// gemm on the 4×8 tile) against TensorFlow.js's wasm backend (XNNPACK), single thread:
// forward, input gradient and filter gradient. tfjs-wasm has no filter
// gradient kernel; its input gradient of conv2d is conv2dTranspose
// (Conv2DBackpropInput) and that of conv2dTranspose is conv2d.
// Run: npx tsx bench/conv.ts [--quick]
import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { conv2d } from "../src/ops/conv2d.js";
import { conv2dTranspose } from "../src/ops/conv2d-transpose.js";
import { Tape } from "../src/ops/tape.js";
import { Tensor } from "../src/ops/tensor.js";
import { init } from "../src/wasm/module.js";
import { seededData as data, relativeDiff } from "./data.js";
import { environmentLine, fixed, gigaPerSecond, markdownTable, medianMs, ratio, type TimingOptions } from "./report.js";
import { startTfjsWasm } from "./tfjs.js";

interface Case {
  name: string;
  transpose: boolean;
  /** Input [n, h, w, c] → output channels f, k×k kernel, stride s, "same". */
  n: number;
  h: number;
  w: number;
  c: number;
  f: number;
  k: number;
  s: number;
}

const N = 64;
const CASES: Case[] = [
  { name: "conv 3×3/2 28×28×1→32", transpose: false, n: N, h: 28, w: 28, c: 1, f: 32, k: 3, s: 2 },
  { name: "conv 3×3/2 14×14×32→64", transpose: false, n: N, h: 14, w: 14, c: 32, f: 64, k: 3, s: 2 },
  { name: "convT 3×3/2 7×7×64→32", transpose: true, n: N, h: 7, w: 7, c: 64, f: 32, k: 3, s: 2 },
  { name: "convT 3×3/2 14×14×32→1", transpose: true, n: N, h: 14, w: 14, c: 32, f: 1, k: 3, s: 2 },
];

const quick = process.argv.includes("--quick");
const timing: TimingOptions = quick ? { time: 200, warmupTime: 100, iterations: 5 } : { time: 800, warmupTime: 300 };

/** Output spatial size ("same"): conv divides by the stride, convT multiplies. */
const outSide = (c: Case, side: number) => (c.transpose ? side * c.s : Math.ceil(side / c.s));
/** 2 flops per multiply-add: every (input or output) pixel meets k·k·c·f weights once. */
const flops = (c: Case) => 2 * c.n * (c.transpose ? c.h * c.w : outSide(c, c.h) * outSide(c, c.w)) * c.k * c.k * c.c * c.f;
const filterShape = (c: Case) => (c.transpose ? [c.k, c.k, c.f, c.c] : [c.k, c.k, c.c, c.f]);
const outShape = (c: Case) => [c.n, outSide(c, c.h), outSide(c, c.w), c.f];

interface Result {
  forward: number;
  input: number;
  filter: number;
  out?: Float32Array;
}

async function benchOurs(c: Case): Promise<Result> {
  const { arena } = await init();
  const xSize = c.n * c.h * c.w * c.c;
  const wShape = filterShape(c);
  const alloc = (values: Float32Array) => {
    const p = arena.alloc(values.length * 4);
    arena.write(p, values);
    return p;
  };
  const xp = alloc(data(xSize, 1));
  const wp = alloc(data(c.k * c.k * c.c * c.f, 2).map((v) => v * 0.2));
  const bp = alloc(data(c.f, 3));
  const op = (tape: Tape | null, x: Tensor, w: Tensor, b: Tensor | null) =>
    c.transpose ? conv2dTranspose(tape, x, w, b, [c.s, c.s], "same") : conv2d(tape, x, w, b, [c.s, c.s], "same");
  const x = (grad: boolean) => new Tensor(xp, [c.n, c.h, c.w, c.c], grad);
  const w = (grad: boolean) => new Tensor(wp, wShape, grad);
  const b = new Tensor(bp, [c.f]);

  const forward = await medianMs(`${c.name} fwd`, () => arena.scoped(() => op(null, x(false), w(false), b)), timing);
  const out = arena.scoped(() => {
    const y = op(null, x(false), w(false), b);
    return arena.read(y.ptr, y.size);
  });
  // One recorded forward per gradient; the timed part is the backward alone.
  const backward = async (label: string, xGrad: boolean, wGrad: boolean) => {
    const mark = arena.mark();
    const tape = new Tape();
    const y = op(tape, x(xGrad), w(wGrad), null);
    arena.write(tape.gradTarget(y).ptr, data(y.size, 4));
    const ms = await medianMs(label, () => tape.backward(), timing);
    arena.release(mark);
    return ms;
  };
  const input = await backward(`${c.name} dx`, true, false);
  const filter = await backward(`${c.name} dw`, false, true);
  for (const p of [bp, wp, xp]) arena.free(p);
  const f = flops(c);
  return { forward: gigaPerSecond(f, forward), input: gigaPerSecond(f, input), filter: gigaPerSecond(f, filter), out };
}

async function benchTfjs(c: Case): Promise<Result> {
  const x = tf.tensor4d(data(c.n * c.h * c.w * c.c, 1), [c.n, c.h, c.w, c.c]);
  const w = tf.tensor4d(data(c.k * c.k * c.c * c.f, 2).map((v) => v * 0.2), filterShape(c) as [number, number, number, number]);
  const b = tf.tensor1d(data(c.f, 3));
  const dy = tf.tensor4d(data(c.n * outSide(c, c.h) * outSide(c, c.w) * c.f, 4), outShape(c) as [number, number, number, number]);
  const s: [number, number] = [c.s, c.s];
  const fwd = () =>
    c.transpose
      ? tf.add(tf.conv2dTranspose(x, w, outShape(c) as [number, number, number, number], s, "same"), b)
      : tf.conv2d(x, w, s, "same").add(b);
  // Input gradients: the adjoint op with the same filter.
  const dx = () => (c.transpose ? tf.conv2d(dy, w, s, "same") : tf.conv2dTranspose(dy, w, [c.n, c.h, c.w, c.c], s, "same"));
  // tidy() must not return the typed array: it would walk its elements looking for tensors.
  const run = (op: () => tf.Tensor) => () => tf.tidy(() => void op().dataSync());
  const forward = await medianMs(`tfjs ${c.name} fwd`, run(fwd), timing);
  const input = await medianMs(`tfjs ${c.name} dx`, run(dx), timing);
  const y = fwd();
  const out = y.dataSync() as Float32Array;
  y.dispose();
  for (const t of [x, w, b, dy]) t.dispose();
  const f = flops(c);
  return { forward: gigaPerSecond(f, forward), input: gigaPerSecond(f, input), filter: Number.NaN, out };
}

const ours = new Map<string, Result>();
for (const c of CASES) ours.set(c.name, await benchOurs(c));

await startTfjsWasm();
const theirs = new Map<string, Result>();
for (const c of CASES) theirs.set(c.name, await benchTfjs(c));

const rows = CASES.flatMap((c) => {
  const o = ours.get(c.name)!;
  const t = theirs.get(c.name)!;
  const diff = relativeDiff(o.out!, t.out!);
  if (diff > 1e-4) console.warn(`warning: ${c.name} forward differs from tfjs by ${diff.toExponential(2)} of max |y|`);
  const mflop = fixed(flops(c) / 1e6, 0);
  return [
    [c.name, "forward", mflop, fixed(o.forward), fixed(t.forward), ratio(o.forward, t.forward)],
    [c.name, "input grad", mflop, fixed(o.input), fixed(t.input), ratio(o.input, t.input)],
    [c.name, "filter grad", mflop, fixed(o.filter), "–", "–"],
  ];
});

console.log(`# convolutions of the conv autoencoder, batch ${N}, GFLOP/s (median; 2 flops per multiply-add), single thread`);
console.log(`${environmentLine()}, ${cpus()[0]?.model ?? "unknown CPU"}; tfjs ${tf.version.tfjs} wasm backend (XNNPACK, SIMD), 1 thread`);
console.log(`ours: implicit gemm on the packed f32x4 4×8 tile (no im2col matrix), bias fused; "same" padding; input grad of conv = conv2dTranspose in tfjs\n`);
console.log(markdownTable(["shape", "pass", "MFLOP", "ours", "tfjs-wasm", "ours/tfjs"], rows));
