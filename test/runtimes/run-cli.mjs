// Runs the scenario in a command-line runtime and prints its result as JSON:
//   node test/runtimes/run-cli.mjs
//   deno run --no-prompt --no-lock test/runtimes/run-cli.mjs    (no permissions: the default entry embeds the wasm)
//   bun test/runtimes/run-cli.mjs
// Pass --with-model to include the first model's saved bytes (base64), and
// --numerics=fma to run it with init({ numerics: "fma" }) (fma.test.ts).
import * as lib from "../../dist/index.js";
import { runScenario } from "./scenario.mjs";

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const numerics = args.find((a) => a.startsWith("--numerics="))?.slice("--numerics=".length);
if (numerics) await lib.init({ numerics });
const result = await runScenario(lib, { withModel: args.includes("--with-model") });
console.log(JSON.stringify(result));
