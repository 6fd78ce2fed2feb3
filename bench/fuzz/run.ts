// The long fuzz run: mutated model files of every kind (structure-aware, CRC
// kept valid), mutated ONNX files (ours and PyTorch's; bench/fuzz/onnx.ts) and mutated CSV / NPY / IDX inputs, each case in a child process
// under a time limit (the child is killed and the case counted as a hang) and
// a memory limit (the child's resident memory is polled; over the limit it is
// killed and the case counted as an allocation over the bound; each case's own
// peak is also checked against 64 MiB + 64 × its input size). Prints counts of
// success / typed error / anything else per target and the first inputs of
// each failure, and exits non-zero if there is any.
// Run: npx tsx bench/fuzz/run.ts [--models N] [--onnx N] [--readers N] [--workers W] [--seed S] [--time-limit MS]
//   --models: cases per model kind (default 12,500: 100,000 over the 8 kinds); --onnx: per ONNX base (10,000);
//   --readers: per reader (20,000)
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Report, Task } from "./child.js";
import { buildModel, loadAndUse, MODEL_KINDS } from "./models.js";
import { buildOnnx, importAndUse, ONNX_KINDS } from "./onnx.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const PER_MODEL = flag("models", 12_500);
const PER_READER = flag("readers", 20_000);
const PER_ONNX = flag("onnx", 10_000);
const WORKERS = flag("workers", 2);
const SEED = flag("seed", 15);
const TIME_LIMIT_MS = flag("time-limit", 10_000);
const RSS_LIMIT = 2 * 2 ** 30;
const PEAK_BASE = 64 * 2 ** 20;
const PEAK_PER_BYTE = 64;

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "fuzz-models-"));
const models: Record<string, string> = {};
for (const kind of MODEL_KINDS) {
  models[kind] = join(dir, `${kind}.bin`);
  const bytes = await buildModel(kind);
  writeFileSync(models[kind], bytes);
  // Every base file must load unmutated, or its mutations test nothing but that first refusal.
  await loadAndUse(kind, bytes);
}
for (const kind of ONNX_KINDS) {
  models[kind] = join(dir, `${kind}.onnx`);
  const bytes = await buildOnnx(kind);
  writeFileSync(models[kind], bytes);
  await importAndUse(kind, bytes);
}

const tasks: Task[] = [];
for (let i = 0; i < Math.max(PER_MODEL, PER_READER, PER_ONNX); i++) {
  if (i < PER_MODEL) for (const target of MODEL_KINDS) tasks.push({ target, seed: SEED, index: i });
  if (i < PER_ONNX) for (const target of ONNX_KINDS) tasks.push({ target, seed: SEED, index: i });
  if (i < PER_READER) for (const target of ["csv", "npy", "idx"] as const) tasks.push({ target, seed: SEED, index: i });
}

type Counts = { ok: number; typed: number; other: number; hang: number; overBound: number };
const counts = new Map<string, Counts>();
/** Failures grouped by kind and message (numbers masked), each with its count and first case. */
const failures = new Map<string, { count: number; first: string; targets: Set<string> }>();
const count = (target: string): Counts => {
  if (!counts.has(target)) counts.set(target, { ok: 0, typed: 0, other: 0, hang: 0, overBound: 0 });
  return counts.get(target)!;
};
const fail = (task: Task, what: string): void => {
  const key = what.slice(0, 120).replace(/\d+/g, "N");
  const group = failures.get(key) ?? { count: 0, first: `${task.target} seed ${task.seed} case ${task.index}: ${what}`, targets: new Set<string>() };
  group.count++;
  group.targets.add(task.target);
  failures.set(key, group);
};

let next = 0;
let done = 0;
const started = Date.now();

function rss(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** One worker: a child that runs tasks until none are left, replaced whenever it is killed or dies. */
function worker(): Promise<void> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    let current: Task | undefined;
    let deadline = 0;
    let poll: NodeJS.Timeout;
    const start = (): void => {
      child = fork(join(here, "child.ts"), [], { execArgv: ["--import", "tsx", "--max-old-space-size=1024"], env: { ...process.env, FUZZ_MODELS: JSON.stringify(models) } });
      child.on("message", (m: Report | { ready: true }) => {
        if (!("ready" in m)) {
          const c = count(m.target);
          if (m.kind === "ok" || m.kind === "typed") {
            if (m.peakBytes > PEAK_BASE + PEAK_PER_BYTE * m.inputBytes) {
              c.overBound++;
              fail(m, `peak memory ${(m.peakBytes / 2 ** 20).toFixed(0)} MiB for a ${m.inputBytes}-byte input (${m.kind})`);
            } else c[m.kind]++;
          } else {
            c.other++;
            fail(m, `${m.name}: ${m.message}`);
          }
          done++;
          if (done % 5000 === 0) console.error(`${done}/${tasks.length} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
        send();
      });
      child.on("exit", (code, signal) => {
        clearInterval(poll);
        if (current) {
          const c = count(current.target);
          if (Date.now() > deadline) {
            c.hang++;
            fail(current, `no answer within ${TIME_LIMIT_MS} ms`);
          } else if (signal === "SIGUSR2") {
            c.overBound++;
            fail(current, `resident memory over ${RSS_LIMIT / 2 ** 30} GiB`);
          } else {
            c.other++;
            fail(current, `the child died (code ${code}, signal ${signal})`);
          }
          done++;
          current = undefined;
          start();
        } else resolve();
      });
      poll = setInterval(() => {
        if (current && Date.now() > deadline) child.kill("SIGKILL");
        else if (current && rss(child.pid!) > RSS_LIMIT) child.kill("SIGUSR2");
      }, 50);
    };
    const send = (): void => {
      if (next >= tasks.length) {
        current = undefined;
        child.disconnect();
        return;
      }
      current = tasks[next++]!;
      deadline = Date.now() + TIME_LIMIT_MS;
      child.send(current);
    };
    start();
  });
}

await Promise.all(Array.from({ length: WORKERS }, worker));
const seconds = (Date.now() - started) / 1000;
console.log(`fuzz: seed ${SEED}, ${PER_MODEL} cases per model kind, ${PER_ONNX} per ONNX base, ${PER_READER} per reader, ${WORKERS} workers, ${seconds.toFixed(0)} s`);
console.log("| target | cases | success | typed error | other error | hang | over the bound |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const total: Counts = { ok: 0, typed: 0, other: 0, hang: 0, overBound: 0 };
for (const [target, c] of counts) {
  const n = c.ok + c.typed + c.other + c.hang + c.overBound;
  console.log(`| ${target} | ${n} | ${c.ok} | ${c.typed} | ${c.other} | ${c.hang} | ${c.overBound} |`);
  for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += c[k];
}
console.log(`| all | ${tasks.length} | ${total.ok} | ${total.typed} | ${total.other} | ${total.hang} | ${total.overBound} |`);
for (const g of [...failures.values()].sort((a, b) => b.count - a.count)) {
  console.log(`- ${g.count}× (${[...g.targets].join(", ")}), first: ${g.first}`);
}
process.exitCode = total.other + total.hang + total.overBound === 0 ? 0 : 1;
