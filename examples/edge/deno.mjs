// The same handler under Deno.serve, runnable from this repository:
//
//   npx tsx examples/edge/make-model.ts out/edge-model.bin
//   npx deno run --allow-net=127.0.0.1 --allow-read=out/edge-model.bin examples/edge/deno.mjs out/edge-model.bin
//   curl -s localhost:8000 -d '{"rows": [[0, 0, ...784 values]]}'
//
// Options after the model path: --port N (default 8000; 0 picks a free port).
// The only permissions are the listening socket and the one model file: the
// library itself needs none (its wasm core is embedded in dist/index.js).
import { createHandler } from "./handler.mjs";

const [modelPath, ...rest] = Deno.args;
if (!modelPath) {
  console.error("usage: deno run --allow-net=127.0.0.1 --allow-read=MODEL examples/edge/deno.mjs MODEL [--port N]");
  Deno.exit(2);
}
const portIndex = rest.indexOf("--port");
const port = portIndex >= 0 ? Number(rest[portIndex + 1]) : 8000;

const handler = createHandler(() => Deno.readFile(modelPath));
Deno.serve({
  hostname: "127.0.0.1",
  port,
  // Printed on one line so a parent process can read the port.
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/`),
}, (request) => handler.fetch(request));
