// Makes sure dist/ (what `npm run build` produces, what users import) is built
// from the current sources, once per set of inputs: on a clean clone `npm test`
// is the only command, so the tests that load dist/ build it themselves. A
// content hash of the build inputs, kept outside dist/ (dist/ is published),
// decides when to rebuild; a lock directory keeps parallel test files from
// building at the same time.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const DIST = join(ROOT, "dist");

/** Files that the build reads (besides node_modules). */
const INPUTS = ["src", "assembly", "scripts/build-wasm.mjs", "asconfig.json", "rollup.config.mjs", "tsconfig.json", "tsconfig.build.json"];
/** Files that the build writes and the tests read. */
export const OUTPUTS = ["dist/index.js", "dist/core-fma.js", "dist/slim.js", "dist/core.wasm", "dist/core-fma.wasm", "dist/worker.js", "dist/types/index.d.ts", "dist/cli.js"];

const CACHE = join(ROOT, "node_modules", ".cache", "autoencoders-tests");
const STAMP = join(CACHE, "dist-inputs.sha256");
const LOCK = join(CACHE, "dist-build.lock");
/** A lock older than this is left over from a killed run. */
const STALE_LOCK_MS = 10 * 60_000;

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => null);
  if (!info) return [];
  if (info.isFile()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => filesUnder(join(path, e.name))));
  return nested.flat();
}

async function inputsHash(): Promise<string> {
  const hash = createHash("sha256");
  const files = (await Promise.all(INPUTS.map((p) => filesUnder(join(ROOT, p))))).flat().sort();
  for (const file of files) {
    hash.update(relative(ROOT, file)).update("\0").update(await readFile(file)).update("\0");
  }
  return hash.digest("hex");
}

const upToDate = async (): Promise<boolean> =>
  OUTPUTS.every((f) => existsSync(join(ROOT, f))) && (await readFile(STAMP, "utf8").catch(() => "")) === (await inputsHash());

async function acquireLock(): Promise<void> {
  await mkdir(CACHE, { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch {
      const info = await stat(LOCK).catch(() => null);
      if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

let built: Promise<void> | null = null;

/** Runs `npm run build` unless dist/ already matches the sources. */
export function ensureDist(): Promise<void> {
  built ??= (async () => {
    if (await upToDate()) return;
    await acquireLock();
    try {
      if (await upToDate()) return; // another test file built it while we waited
      try {
        await promisify(execFile)("npm", ["run", "build"], { cwd: ROOT, maxBuffer: 64 << 20 });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`npm run build failed:\n${e.stdout ?? ""}\n${e.stderr ?? e.message}`);
      }
      // Hashed after the build: build:wasm rewrites src/wasm/core-wasm.generated.ts.
      await writeFile(STAMP, await inputsHash());
    } finally {
      await rm(LOCK, { recursive: true, force: true });
    }
  })();
  built.catch(() => (built = null));
  return built;
}
