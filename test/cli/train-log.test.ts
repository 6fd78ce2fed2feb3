// `autoencoders train --csv-log FILE`: the built binary writes the history as
// CSV (Keras CSVLogger's columns), and refuses an unwritable log path before
// reading any data.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ensureDist, ROOT } from "../package/dist.js";

const CLI = join(ROOT, "dist", "cli.js");
let dir = "";

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await ensureDist();
  dir = await mkdtemp(join(tmpdir(), "cli-csv-log-"));
  const rows = Array.from({ length: 60 }, (_, i) => [Math.sin(i), Math.cos(i), Math.sin(2 * i), 0.5 * Math.cos(3 * i)].map((v) => v.toFixed(4)).join(","));
  await writeFile(join(dir, "data.csv"), `a,b,c,d\n${rows.join("\n")}\n`);
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("--csv-log writes epoch, loss, valLoss, learningRate, a line per epoch trained", async () => {
  const log = join(dir, "log.csv");
  const run = await cli("train", join(dir, "data.csv"), "--epochs", "4", "--patience", "0", "--batch-size", "16", "--quiet", "--csv-log", log, "--out", join(dir, "m.aenc"));
  expect(run.code, run.stderr).toBe(0);
  const lines = (await readFile(log, "utf8")).trimEnd().split("\n");
  expect(lines[0]).toBe("epoch,loss,valLoss,learningRate");
  expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["0", "1", "2", "3"]);
  for (const line of lines.slice(1)) {
    const [, loss, valLoss, rate] = line.split(",").map(Number);
    expect(loss! > 0 && valLoss! > 0).toBe(true);
    expect(rate).toBe(0.001);
  }
});

test("an unwritable --csv-log path fails before training, with the reason", async () => {
  const run = await cli("train", join(dir, "data.csv"), "--quiet", "--csv-log", join(dir, "missing", "log.csv"), "--out", join(dir, "m2.aenc"));
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/--csv-log .*missing.*no such directory/);
});
