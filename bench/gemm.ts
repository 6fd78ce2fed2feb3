// f32 gemm, ours (NN, NT, TN) against TensorFlow.js's wasm backend (XNNPACK)
// doing tf.matMul with transposeA / transposeB, single thread; and tfjs's cpu
// backend on one small shape. Run: npx tsx bench/gemm.ts [--quick] [--cpu-time]
// (--cpu-time times with process CPU time instead of wall time: use it when
// other jobs share the machine, since a descheduled call inflates wall time).
import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { init } from "../src/wasm/module.js";
import { seededData as data, relativeDiff } from "./data.js";
import { cpuTimeMs, environmentLine, fixed, gigaPerSecond, markdownTable, medianTimes, ratio, type TimingOptions } from "./report.js";
import { startTfjsWasm, tfjsWasmVersion } from "./tfjs.js";

type Form = "nn" | "nt" | "tn";
const FORMS: Form[] = ["nn", "nt", "tn"];

interface Shape {
  m: number;
  n: number;
  k: number;
  /** Where the dense autoencoder 784-512-128-32-128-512-784 at batch 128 uses it. */
  use: string;
}

const SHAPES: Shape[] = [
  { m: 512, n: 512, k: 512, use: "square" },
  { m: 256, n: 512, k: 784, use: "target shape" },
  { m: 128, n: 512, k: 784, use: "fwd 784→512 (NN); dX of 512→784 (NT)" },
  { m: 128, n: 128, k: 512, use: "fwd 512→128; dX of 128→512" },
  { m: 128, n: 32, k: 128, use: "fwd 128→32; dX of 32→128; dW 128→32 (TN)" },
  { m: 128, n: 128, k: 32, use: "fwd 32→128; dX of 128→32" },
  { m: 128, n: 512, k: 128, use: "fwd 128→512; dX of 512→128; dW 128→512" },
  { m: 128, n: 784, k: 512, use: "fwd 512→784; dX of 784→512" },
  { m: 784, n: 512, k: 128, use: "dW 784→512" },
  { m: 512, n: 128, k: 128, use: "dW 512→128" },
  { m: 32, n: 128, k: 128, use: "dW 32→128" },
  { m: 512, n: 784, k: 128, use: "dW 512→784" },
];
const CPU_SHAPE: Shape = { m: 128, n: 32, k: 128, use: "small" };

const quick = process.argv.includes("--quick");
const cpuTime = process.argv.includes("--cpu-time");
const timing: TimingOptions = {
  ...(quick ? { time: 300, warmupTime: 100, iterations: 2 } : { time: 1500, warmupTime: 300, iterations: 3 }),
  ...(cpuTime ? { now: cpuTimeMs } : {}),
};

/** Operands for one shape: A is m×k (k×m for TN), B is k×n (n×k for NT); the same numbers for every form. */
function operands({ m, n, k }: Shape, form: Form) {
  return {
    aShape: form === "tn" ? [k, m] : [m, k],
    bShape: form === "nt" ? [n, k] : [k, n],
    a: data(m * k, 1),
    b: data(k * n, 2),
  };
}

const key = (s: Shape, form: Form) => `${s.m}x${s.n}x${s.k} ${form}`;

interface Measured {
  ours: number;
  theirs: number;
  /** Largest |ours - theirs| over max |theirs|. */
  diff: number;
}

type Engine = Awaited<ReturnType<typeof init>>;

/** Our kernel and tf.matMul on the current tfjs backend, timed in alternating rounds; GFLOP/s. */
async function measure(engine: Engine, shape: Shape, form: Form): Promise<Measured> {
  const { kernels, arena } = engine;
  const { m, n, k } = shape;
  const ops = operands(shape, form);
  const a = arena.alloc(4 * m * k);
  const b = arena.alloc(4 * k * n);
  const c = arena.alloc(4 * m * n);
  const work = arena.alloc(kernels.gemm_workspace_bytes(m, n, k));
  arena.write(a, ops.a);
  arena.write(b, ops.b);
  const kernel = { nn: kernels.f32_gemm_nn, nt: kernels.f32_gemm_nt, tn: kernels.f32_gemm_tn }[form];
  const ta = tf.tensor2d(ops.a, ops.aShape as [number, number]);
  const tb = tf.tensor2d(ops.b, ops.bShape as [number, number]);
  const matMul = () => tf.matMul(ta, tb, form === "tn", form === "nt");
  const ms = await medianTimes(
    { ours: () => kernel(c, a, b, 0, m, n, k, 0, work), theirs: () => matMul().dispose() },
    timing,
  );
  const tc = matMul();
  const diff = relativeDiff(arena.read(c, m * n), tc.dataSync() as Float32Array);
  for (const t of [tc, ta, tb]) t.dispose();
  for (const p of [work, c, b, a]) arena.free(p);
  const flops = 2 * m * n * k;
  return { ours: gigaPerSecond(flops, ms.ours), theirs: gigaPerSecond(flops, ms.theirs), diff };
}

const shapes = quick ? SHAPES.slice(0, 3) : SHAPES;
const engine = await init();

const binary = await startTfjsWasm();

const rows: string[][] = [];
for (const shape of shapes) {
  for (const form of FORMS) {
    const r = await measure(engine, shape, form);
    if (r.diff > 1e-4) console.warn(`warning: ${key(shape, form)} differs from tfjs by ${r.diff.toExponential(2)} of max |C|`);
    rows.push([`${shape.m}×${shape.n}×${shape.k}`, form.toUpperCase(), fixed(r.ours), fixed(r.theirs), ratio(r.ours, r.theirs), shape.use]);
  }
}

await tf.setBackend("cpu");
const cpuRows: string[][] = [];
for (const form of FORMS) {
  const r = await measure(engine, CPU_SHAPE, form);
  cpuRows.push([`${CPU_SHAPE.m}×${CPU_SHAPE.n}×${CPU_SHAPE.k}`, form.toUpperCase(), fixed(r.ours), fixed(r.theirs), ratio(r.ours, r.theirs)]);
}

console.log(`# f32 gemm, GFLOP/s (median; 2·m·n·k flops per call), single thread`);
console.log(`${environmentLine()}, ${cpus()[0]?.model ?? "unknown CPU"}`);
console.log(`tfjs ${tf.version.tfjs}, wasm backend ${tfjsWasmVersion}: ran ${binary}`);
console.log(`shape is m×n×k: C[m×n] = op(A)[m×k]·op(B)[k×n]; NT = B transposed, TN = A transposed; no bias; ours and tfjs timed in alternating rounds, ${cpuTime ? "process CPU time" : "wall time"}\n`);
console.log(markdownTable(["shape", "form", "ours", "tfjs-wasm", "ours/tfjs", "autoencoder use"], rows));
console.log(`\ntfjs cpu backend (plain JS), small shape:\n`);
console.log(markdownTable(["shape", "form", "ours", "tfjs-cpu", "ours/tfjs"], cpuRows));
