// Cold start in Node: from process start to the first reconstruction from a
// saved model, ours (dist/index.js with the wasm embedded, and dist/slim.js
// given dist/core.wasm by the caller) beside TensorFlow.js 4.22
// (@tensorflow/tfjs-core + @tensorflow/tfjs-backend-wasm, one thread) on the
// same tiny dense autoencoder (24 → 16 tanh → 4 → 16 relu → 24 sigmoid).
// Each script runs many times, interleaved, and we report medians. Each is set
// against a bare script of its own kind (CommonJS or ES module), so that what
// Node's module loader costs any program is not charged to the library:
//   wall: spawn to exit, minus the bare script's;
//   in-process: performance.now() at the first reconstruction (ms since Node's
//   time origin, which is set at process start) minus the same in a bare script;
//   CPU: process.cpuUsage() (all threads) at the first reconstruction, minus bare:
//   the figure least disturbed by other load on a shared machine.
// Run: npx tsx bench/cold-start.ts [--runs N]   (default 21; --quick: 7)
//      [--baseline DIR]: also the default entry of another build (DIR/dist/index.js,
//      e.g. a worktree of the commit before a change), in the same rounds, and the
//      paired median difference between the two: on a loaded machine the figure to quote.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { environmentLine, fixed, markdownTable, median } from "./report.js";

const ROOT = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const runsFlag = args.indexOf("--runs");
const RUNS = runsFlag >= 0 ? Number(args[runsFlag + 1]) : args.includes("--quick") ? 7 : 21;
const TARGET_MS = 15;
const baselineFlag = args.indexOf("--baseline");
const BASELINE = baselineFlag >= 0 ? resolve(args[baselineFlag + 1]!) : null;

if (!existsSync(join(ROOT, "dist/index.js")) || !existsSync(join(ROOT, "dist/slim.js"))) {
  console.log("dist/ is missing: running npm run build");
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) process.exit(1);
}

const dist = (file: string) => pathToFileURL(join(ROOT, "dist", file)).href;
const { Autoencoder, layers } = (await import(dist("index.js"))) as typeof import("../src/index.js");

// The saved models: ours via save(), tfjs's as its weights in one f32 file with their shapes.
const dir = await mkdtemp(join(tmpdir(), "autoencoders-cold-start-"));
const model = await Autoencoder.create({
  input: [24],
  encoder: [layers.dense(16, "tanh"), layers.dense(4)],
  decoder: [layers.dense(16, "relu"), layers.dense(24, "sigmoid")],
  seed: 1,
});
const modelPath = join(dir, "model.bin");
await writeFile(modelPath, model.save());
const shapes = [[24, 16], [16], [16, 4], [4], [4, 16], [16], [16, 24], [24]];
const weights = Float32Array.from({ length: shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0) }, (_, i) => (((i * 7919) % 201) - 100) / 400);
const tfjsPath = join(dir, "tfjs-weights.bin");
await writeFile(tfjsPath, new Uint8Array(weights.buffer));
model.dispose();

const q = JSON.stringify;
const BASELINE_NAME = "baseline (DIR/dist/index.js, embedded wasm)";
const input = "{ data: new Float32Array(24).fill(0.5), shape: [1, 24] }";
const SCRIPTS: Record<string, { module: boolean; code: string }> = {
  "bare node (CommonJS)": { module: false, code: "console.log(performance.now(), CPU())" },
  "bare node (ES module)": { module: true, code: "console.log(performance.now(), CPU())" },
  "autoencoders (dist/index.js, embedded wasm)": {
    module: true,
    code: `import { readFileSync } from "node:fs";
      const { Autoencoder } = await import(${q(dist("index.js"))});
      const ae = await Autoencoder.load(readFileSync(${q(modelPath)}));
      const out = ae.reconstruct(${input}).data;
      console.log(performance.now(), CPU(), out[0]);`,
  },
  ...(BASELINE === null ? {} : {
    [BASELINE_NAME]: {
      module: true,
      code: `import { readFileSync } from "node:fs";
      const { Autoencoder } = await import(${q(pathToFileURL(join(BASELINE, "dist", "index.js")).href)});
      const ae = await Autoencoder.load(readFileSync(${q(modelPath)}));
      const out = ae.reconstruct(${input}).data;
      console.log(performance.now(), CPU(), out[0]);`,
    },
  }),
  "autoencoders (dist/slim.js + core.wasm file)": {
    module: true,
    code: `import { readFileSync } from "node:fs";
      const { Autoencoder, init } = await import(${q(dist("slim.js"))});
      await init({ wasm: readFileSync(${q(join(ROOT, "dist/core.wasm"))}) });
      const ae = await Autoencoder.load(readFileSync(${q(modelPath)}));
      const out = ae.reconstruct(${input}).data;
      console.log(performance.now(), CPU(), out[0]);`,
  },
  "TensorFlow.js 4.22 wasm (tfjs-core + tfjs-backend-wasm)": {
    module: false,
    code: `const { readFileSync } = require("node:fs");
      const path = require("node:path");
      const tf = require("@tensorflow/tfjs-core");
      const wasm = require("@tensorflow/tfjs-backend-wasm");
      (async () => {
        wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + "/");
        wasm.setThreadsCount(1);
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
        if (!(await tf.setBackend("wasm"))) throw new Error("no wasm backend");
        const bytes = readFileSync(${q(tfjsPath)});
        const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        const shapes = ${q(shapes)};
        let offset = 0;
        const w = shapes.map((s) => { const n = s.reduce((a, b) => a * b, 1); const t = tf.tensor(all.subarray(offset, offset + n), s); offset += n; return t; });
        const x = tf.fill([1, 24], 0.5);
        const h1 = tf.tanh(tf.add(tf.matMul(x, w[0]), w[1]));
        const code = tf.add(tf.matMul(h1, w[2]), w[3]);
        const h2 = tf.relu(tf.add(tf.matMul(code, w[4]), w[5]));
        const out = tf.sigmoid(tf.add(tf.matMul(h2, w[6]), w[7])).dataSync();
        console.log(performance.now(), CPU(), out[0]);
      })();`,
  },
};

/** CPU time of the process so far (all threads, user + system) in ms: less sensitive than wall time to other load on the machine. */
const CPU_FN = "const CPU = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };";

// Each script is a file, run as `node script.mjs` (or .cjs), as programs and
// serverless handlers are: Node's module loader then reads an entry file in
// the bare scripts too, so what it costs to start (for ES modules, its
// asynchronous file reading) is not charged to the library, as it would be to
// whatever `node -e` imported first. The folder sits under node_modules so that
// require() finds the peers.
const scriptDir = join(ROOT, "node_modules", ".cache", "autoencoders-cold-start");
await mkdir(scriptDir, { recursive: true });
const scriptFiles = new Map<string, string>();
for (const [i, [name, { module, code }]] of Object.entries(SCRIPTS).entries()) {
  const file = join(scriptDir, `script-${i}.${module ? "mjs" : "cjs"}`);
  await writeFile(file, CPU_FN + code);
  scriptFiles.set(name, file);
}

function once(name: string): { wall: number; inProcess: number; cpu: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [scriptFiles.get(name)!], { cwd: ROOT, encoding: "utf8" });
  const wall = performance.now() - started;
  if (run.status !== 0) throw new Error(`${name}: exit ${run.status}\n${run.stderr}`);
  const [inProcess, cpu] = run.stdout.trim().split(/\s+/).map(Number);
  if (!Number.isFinite(inProcess) || !Number.isFinite(cpu)) throw new Error(`${name}: unexpected output ${run.stdout}`);
  return { wall, inProcess: inProcess!, cpu: cpu! };
}

const names = Object.keys(SCRIPTS);
const samples = Object.fromEntries(names.map((n) => [n, { wall: [] as number[], inProcess: [] as number[], cpu: [] as number[] }]));
for (const name of names) once(name); // warm the file cache and V8's code cache alike
for (let r = 0; r < RUNS; r++) {
  for (const name of names) {
    const s = once(name);
    samples[name]!.wall.push(s.wall);
    samples[name]!.inProcess.push(s.inProcess);
    samples[name]!.cpu.push(s.cpu);
  }
}
await rm(dir, { recursive: true, force: true });
await rm(scriptDir, { recursive: true, force: true });

const kinds = ["wall", "inProcess", "cpu"] as const;
type Kind = (typeof kinds)[number];
const medians = (name: string) => Object.fromEntries(kinds.map((k) => [k, median(samples[name]![k])])) as Record<Kind, number>;
const BARE = ["bare node (CommonJS)", "bare node (ES module)"];
const bareOf = (name: string) => BARE[SCRIPTS[name]!.module ? 1 : 0]!;
/**
 * The median over rounds of (script − its bare script in the same round):
 * runs of one round are seconds apart, so the machine's drift from minute to
 * minute (a third of the bare time here) cancels out of each difference.
 */
const over = (name: string, k: Kind) => median(samples[name]![k].map((v, r) => v - samples[bareOf(name)]![k][r]!));
const rows = names.map((name) => {
  const m = medians(name);
  return kinds.flatMap((k) => [fixed(m[k]), BARE.includes(name) ? "–" : fixed(over(name, k))]);
}).map((cells, i) => [names[i]!, ...cells]);
console.log(`Cold start to the first reconstruction from a saved model: median of ${RUNS} runs of "node <script file>" each, interleaved. ${environmentLine()}\n`);
console.log(markdownTable(["script (node file)", "wall ms", "− bare (paired)", "perf.now() at result", "− bare (paired)", "CPU ms at result", "− bare (paired)"], rows));
const EMBEDDED = "autoencoders (dist/index.js, embedded wasm)";
const SLIM = "autoencoders (dist/slim.js + core.wasm file)";
// The target is on "process start to the first reconstruction": performance.now()
// there (its origin is the process start) minus the same in the bare script;
// wall time adds the process exit, CPU time the compile threads.
const TFJS = "TensorFlow.js 4.22 wasm (tfjs-core + tfjs-backend-wasm)";
for (const [label, name] of [["the default entry (dist/index.js, wasm embedded)", EMBEDDED], ["the slim entry given dist/core.wasm", SLIM]] as const) {
  const ms = over(name, "inProcess");
  console.log(
    `${label}: ${fixed(ms)} ms from process start to the first reconstruction over bare Node ` +
      `(wall ${fixed(over(name, "wall"))}, CPU ${fixed(over(name, "cpu"))}; ${fixed(over(TFJS, "inProcess") / ms)}× faster than tfjs-wasm); ` +
      `target ≤ ${TARGET_MS} ms: ${ms <= TARGET_MS ? "met" : "NOT met"}`,
  );
}
if (BASELINE !== null) {
  // Both in every round, seconds apart: the per-round difference cancels the machine's drift.
  const paired = (k: Kind) => median(samples[EMBEDDED]![k].map((v, r) => v - samples[BASELINE_NAME]![k][r]!));
  console.log(
    `dist/index.js − ${join(BASELINE, "dist/index.js")}, paired medians: ${fixed(paired("inProcess"))} ms to the first reconstruction ` +
      `(wall ${fixed(paired("wall"))}, CPU ${fixed(paired("cpu"))})`,
  );
}
