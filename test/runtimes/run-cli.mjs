// Runs the scenario in a command-line runtime and prints its result as JSON:
//   node test/runtimes/run-cli.mjs
//   deno run --no-prompt --no-lock test/runtimes/run-cli.mjs    (no permissions: the default entry embeds the wasm)
//   bun test/runtimes/run-cli.mjs
// Pass --with-model to include the first model's saved bytes (base64), and
// --numerics=fma and --threads=N to run it with init({ numerics, threads }) (fma.test.ts); the
// result names the engine's threads (engineInfo()).
import * as lib from "../../dist/index.js";
import { runScenario } from "./scenario.mjs";

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const numerics = option("numerics");
const threads = option("threads");
if (numerics || threads) await lib.init({ numerics, threads: threads === undefined ? undefined : Number(threads) });
// The workers start in the background; wait for them, so the whole scenario runs on them.
await lib.threadsReady();
const result = await runScenario(lib, { withModel: args.includes("--with-model") });
console.log(JSON.stringify({ ...result, engine: lib.engineInfo() }));
