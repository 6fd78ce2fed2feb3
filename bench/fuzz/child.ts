// One fuzz worker: runs the cases the parent sends over IPC, one at a time,
// and answers each with its outcome and the peak resident memory it added
// (Linux: VmHWM after resetting it through /proc/self/clear_refs).
import { readFileSync, writeFileSync } from "node:fs";
import { outcome, readerOutcome, type Outcome } from "../../test/fuzz/cases.js";
import { rng } from "../../test/helpers.js";
import { loadAndUse, mutateModel, type ModelKind } from "./models.js";
import { importAndUse, mutateOnnx, ONNX_KINDS, type OnnxKind } from "./onnx.js";

export type Task = { target: ModelKind | OnnxKind | "csv" | "npy" | "idx"; seed: number; index: number };
export type Report = Task & Outcome & { inputBytes: number; peakBytes: number };

const bases = new Map<string, Uint8Array>(Object.entries(JSON.parse(process.env.FUZZ_MODELS ?? "{}") as Record<string, string>).map(([k, path]) => [k, new Uint8Array(readFileSync(path))]));

function vm(field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

async function run(task: Task): Promise<Report> {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Without it the peak is the process's since it started: still an upper bound.
  }
  const before = vm("VmRSS");
  let result: Outcome & { inputBytes: number };
  if (task.target === "csv" || task.target === "npy" || task.target === "idx") result = await readerOutcome(task.target, task.seed, task.index);
  else {
    const onnx = (ONNX_KINDS as readonly string[]).includes(task.target);
    let bytes: Uint8Array;
    try {
      bytes = (onnx ? mutateOnnx : mutateModel)(rng(task.seed * 1_000_039 + task.index), bases.get(task.target)!);
    } catch (e) {
      // The mutation itself failed: the fuzzer's fault, reported as such rather than blamed on the library.
      return { ...task, kind: "other", name: "fuzzer", message: String(e), inputBytes: 0, peakBytes: 0 };
    }
    const use = onnx ? () => importAndUse(task.target as OnnxKind, bytes) : () => loadAndUse(task.target as ModelKind, bytes);
    result = { ...(await outcome(use)), inputBytes: bytes.length };
  }
  return { ...task, ...result, peakBytes: Math.max(0, vm("VmHWM") - before) };
}

process.on("message", (task: Task) => {
  void run(task).then((report) => process.send!(report));
});
process.send!({ ready: true });
