// The cross-runtime scenario inside workerd (Cloudflare Workers' runtime): each
// GET trains, saves and loads the scenario's models and answers with the same
// JSON that run-cli.mjs prints. Workers refuse to compile wasm from bytes at
// run time, so the core comes in as a compiled module (see workerd.capnp).
import * as lib from "autoencoders";
import wasm from "autoencoders/core.wasm";
import { runScenario } from "./scenario.mjs";

export default {
  async fetch(request) {
    if (request.method !== "GET") return Response.json({ error: "use GET" }, { status: 405 });
    try {
      await lib.init({ wasm });
      const nodeGlobals = Object.fromEntries(["process", "Buffer", "require", "global"].map((name) => [name, typeof globalThis[name]]));
      const result = await runScenario(lib);
      return Response.json({ ...result, nodeGlobals });
    } catch (error) {
      // The test quotes this, so a failure inside workerd shows its stack.
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};
