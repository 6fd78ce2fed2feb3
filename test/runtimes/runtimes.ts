// How the tests reach each runtime: Node, Deno and Bun as child processes,
// workerd as a server on 127.0.0.1, Chromium through playwright-core, Firefox
// through puppeteer-core over WebDriver BiDi, the browsers on pages from a
// local static server. A runtime that is not installed is reported with a
// loud banner and fails the run under CI.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../package/dist.js";

export { ROOT };

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Debian's paths (apt chromium / firefox-esr); override with CHROMIUM_PATH / FIREFOX_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const FIREFOX = process.env.FIREFOX_PATH ?? "/usr/lib/firefox-esr/firefox-esr";

/**
 * The binaries that the npm packages `bun` and `workerd` ship (what `npx bun`
 * and `npx workerd` run); their postinstall scripts put the platform's binary
 * at these paths.
 */
export const BUN = join(ROOT, "node_modules", "bun", "bin", "bun.exe");
export const WORKERD = join(ROOT, "node_modules", "workerd", "bin", "workerd");

/** Why a runtime installed from npm cannot run here, or null when `--version` answers. */
function npmBinaryProblem(name: string, path: string): string | null {
  if (!existsSync(path)) return `${name} is not installed (${path} not found; npm install puts it there, as .ci/run does)`;
  const probe = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (probe.status === 0) return null;
  const why = probe.error ? probe.error.message : `exit ${probe.status ?? probe.signal}: ${(probe.stderr || probe.stdout).trim().slice(0, 400)}`;
  return `${name} does not run here (${path} --version failed: ${why}; an npm install with --ignore-scripts leaves a placeholder there)`;
}

/**
 * Why `runtime` cannot run here, or null when it can. The banner names the
 * runtime; under CI (process.env.CI set) a missing runtime is an error instead.
 */
export function missing(runtime: "chromium" | "firefox" | "bun" | "workerd"): string | null {
  let reason: string | null;
  if (runtime === "bun" || runtime === "workerd") {
    reason = npmBinaryProblem(runtime, runtime === "bun" ? BUN : WORKERD);
  } else {
    const path = runtime === "chromium" ? CHROMIUM : FIREFOX;
    reason = existsSync(path) ? null : `${runtime} is not installed (${path} not found; apt-get install -y ${runtime === "chromium" ? "chromium" : "firefox-esr"}, as .ci/run does)`;
  }
  if (reason === null) return null;
  if (process.env.CI) throw new Error(`CI must run every runtime, but ${reason}`);
  const line = "!".repeat(78);
  console.warn(`\n${line}\n!!! SKIPPED RUNTIME: ${runtime.toUpperCase()}\n!!! ${reason}\n!!! (this fails under CI)\n${line}\n`);
  return reason;
}

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export async function launchFirefox() {
  const puppeteer = (await import("puppeteer-core")).default;
  return puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true, protocol: "webDriverBiDi" });
}

/** The deno binary from the npm package (its postinstall puts it next to bin.cjs). */
function denoCommand(): [string, string[]] {
  const binary = join(ROOT, "node_modules", "deno", "deno");
  return existsSync(binary) ? [binary, []] : [process.execPath, [join(ROOT, "node_modules", "deno", "bin.cjs")]];
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with optional stdin; rejects after `timeoutMs`. */
export function run(command: string, args: string[], options: { stdin?: Uint8Array | string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} timed out after ${options.timeoutMs} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** `deno run --no-prompt --no-lock <flags> <script> <args>`: no permissions unless `flags` grant some. */
export function runDeno(flags: string[], script: string, args: string[] = [], options: { stdin?: Uint8Array | string; timeoutMs?: number } = {}) {
  const [command, prefix] = denoCommand();
  return run(command, [...prefix, "run", "--no-prompt", "--no-lock", ...flags, script, ...args], options);
}

export function spawnDeno(flags: string[], script: string, args: string[] = []) {
  const [command, prefix] = denoCommand();
  return spawn(command, [...prefix, "run", "--no-prompt", "--no-lock", ...flags, script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; the caller binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error(`no port from ${String(address)}`))));
    });
  });
}

/** Parses the last line of a runner's stdout as JSON, or fails with everything it printed. */
export function lastJson<T>(result: Run, what: string): T {
  const line = result.stdout.trim().split("\n").at(-1) ?? "";
  if (result.code !== 0 || !line.startsWith("{")) {
    throw new Error(`${what} exited with ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return JSON.parse(line) as T;
}
