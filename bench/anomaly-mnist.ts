// One-class MNIST with the default detector: for each digit d, fit on the
// training images of d, score the 10,000 test images, anomaly = not d;
// ROC-AUC per digit and the mean. Settings: the detector's defaults, and
// (--options) any others as JSON, e.g. '{"standardize":false}' for pixels,
// which are already in [0, 1]. Fit times are wall and CPU (process.cpuUsage).
// Run: npx tsx bench/anomaly-mnist.ts [--digits 0,1,2] [--options JSON] [--threads 1]
// (--threads: the engine's threads, default 1, as process.cpuUsage counts every thread's time)
import { AnomalyDetector, type AnomalyDetectorOptions } from "../src/apps/anomaly-detector.js";
import { rocAuc } from "../src/apps/metrics.js";
import { loadMnist } from "../examples/lib/mnist.js";
import { init } from "../src/wasm/module.js";
import { environmentLine, fixed } from "./report.js";

const argv = process.argv.slice(2);
const value = (flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const digits = (value("--digits") ?? "0,1,2,3,4,5,6,7,8,9").split(",").map(Number);
const options = JSON.parse(value("--options") ?? "{}") as AnomalyDetectorOptions;
const threads = Number(value("--threads") ?? 1);
await init({ threads });

const { train, test } = await loadMnist();
console.log(`one-class MNIST, detector options ${JSON.stringify(options)}, ${threads} thread(s); ${environmentLine()}`);
const aucs: number[] = [];
for (const d of digits) {
  const rows: number[] = [];
  train.labels.forEach((label, i) => label === d && rows.push(i));
  const data = new Float32Array(rows.length * 784);
  rows.forEach((r, k) => data.set(train.x.data.subarray(r * 784, (r + 1) * 784), k * 784));
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const detector = await new AnomalyDetector({ seed: d, ...options }).fit({ data, shape: [rows.length, 784] });
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const auc = rocAuc(Uint8Array.from(test.labels, (label) => (label === d ? 0 : 1)), detector.decisionFunction(test.x));
  detector.dispose();
  aucs.push(auc);
  console.log(`digit ${d}: ${rows.length} images, ROC-AUC ${fixed(auc, 4)}, fit ${fixed(wall, 1)} s wall, ${fixed((used.user + used.system) / 1e6, 1)} s CPU`);
}
console.log(`mean ROC-AUC over digits ${digits.join(",")}: ${fixed(aucs.reduce((a, b) => a + b, 0) / aucs.length, 4)}`);
