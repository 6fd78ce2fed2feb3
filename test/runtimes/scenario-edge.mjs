// Edge inference under Deno with NO permissions: the saved model's bytes come
// on stdin, the library from dist/index.js by relative path (module loading
// needs no --allow-read, and the default entry embeds the wasm core). Before
// the library loads, the Node globals Deno provides for compatibility
// (process, Buffer, global, setImmediate, ...) are replaced by getters that
// record any read from outside Deno's own code, so the output says whether
// the core touched one.
//   deno run --no-prompt --no-lock test/runtimes/scenario-edge.mjs < model.bin
import { edgeProbe, hashFloats } from "./scenario.mjs";

const NODE_GLOBALS = ["process", "Buffer", "global", "require", "module", "__dirname", "__filename", "setImmediate", "clearImmediate"];
const touched = new Set();
const saved = new Map();
for (const name of NODE_GLOBALS) {
  saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      // Deno's own node: modules (ext:deno_node/..., behind the node:worker_threads the thread pool
      // uses) read these too: they get the real value, and only reads from other code count.
      const caller = (new Error().stack ?? "").split("\n")[2] ?? "";
      if (caller.includes("ext:")) {
        const d = saved.get(name);
        return d?.get ? d.get.call(globalThis) : d?.value;
      }
      touched.add(name);
      return undefined;
    },
  });
}

const chunks = [];
for await (const chunk of Deno.stdin.readable) chunks.push(chunk);
const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);

const { Autoencoder } = await import("../../dist/index.js");
const { createHandler } = await import("../../examples/edge/handler.mjs");

const probe = edgeProbe();
const model = await Autoencoder.load(bytes);
const reconstruct = await hashFloats(model.reconstruct(probe).data);
const reconstructionError = await hashFloats(model.reconstructionError(probe));
model.dispose();

// The example edge handler, called the way a runtime calls it.
const handler = createHandler(() => bytes);
const rows = Array.from({ length: probe.shape[0] }, (_, r) => Array.from(probe.data.subarray(r * 24, (r + 1) * 24)));
const response = await handler.fetch(new Request("http://edge.test/", { method: "POST", body: JSON.stringify({ rows }) }));
const { scores } = await response.json();
const handlerScores = await hashFloats(Float32Array.from(scores));
const bad = await handler.fetch(new Request("http://edge.test/", { method: "POST", body: JSON.stringify({ rows: [[1, 2]] }) }));
const badRequest = { status: bad.status, error: (await bad.json()).error };

for (const [name, descriptor] of saved) {
  if (descriptor) Object.defineProperty(globalThis, name, descriptor);
  else delete globalThis[name];
}
const permissions = {};
for (const name of ["read", "write", "net", "env", "run", "ffi", "sys"]) permissions[name] = (await Deno.permissions.query({ name })).state;
console.log(JSON.stringify({ reconstruct, reconstructionError, handlerScores, badRequest, touched: [...touched], permissions }));
