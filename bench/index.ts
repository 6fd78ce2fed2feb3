// Runs every bench in bench/, one after another, each in its own Node process
// (the bench files are plain scripts with top-level await, and a fresh process
// keeps one bench's JIT and memory state out of the next one's figures).
// Run: npx tsx bench/index.ts [name ...] [-- flags passed to every bench]
// e.g. `npm run bench -- gemm -- --quick` runs bench/gemm.ts with --quick.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Files in bench/ that are not benches: this runner and the shared helpers. */
const HELPERS = new Set(["index.ts", "report.ts", "data.ts", "profile.ts", "tfjs.ts"]);

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const split = args.indexOf("--");
const names = split < 0 ? args.filter((a) => !a.startsWith("-")) : args.slice(0, split);
const flags = split < 0 ? args.filter((a) => a.startsWith("-")) : args.slice(split + 1);

const benches = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !HELPERS.has(f))
  .filter((f) => names.length === 0 || names.includes(f.replace(/\.ts$/, "")))
  .sort();
if (benches.length === 0) {
  console.error(`bench: no bench matches ${names.join(", ")}`);
  process.exit(1);
}

const failed: string[] = [];
for (const file of benches) {
  console.log(`\n=== bench/${file} ${flags.join(" ")}`.trimEnd() + "\n");
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--import", "tsx", join(here, file), ...flags], { stdio: "inherit" });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    failed.push(file);
    console.error(`\nbench/${file} failed after ${seconds} s (${run.error?.message ?? `exit ${run.status ?? run.signal}`})`);
  } else {
    console.log(`\nbench/${file}: ${seconds} s`);
  }
}
console.log(`\n${benches.length - failed.length} benches ran, ${failed.length} failed${failed.length ? `: ${failed.join(", ")}` : ""}`);
process.exit(failed.length ? 1 : 0);
