# workerd (Cloudflare Workers' runtime) configs for examples/edge and for the
# cross-runtime scenario. Embedded paths are relative to this file, except the
# model: "/edge-model.bin" is looked up in the -I directories, so one config
# serves any model file (make-model.ts writes out/edge-model.bin):
#
#   npx workerd serve -I out test/runtimes/workerd.capnp edge
#   npx workerd serve -I DIR test/runtimes/workerd.capnp runtimes -s http=127.0.0.1:P -s scenario=127.0.0.1:Q
#
# No nodejs_compat flag: the workers see no process, Buffer or require.
using Workerd = import "/workerd/workerd.capnp";

# The example edge function alone, on 127.0.0.1:8787 (-s http=ADDR moves it).
const edge :Workerd.Config = (
  services = [(name = "edge", worker = .edgeWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "edge")],
);

# What test/runtimes/workerd.test.ts starts: the edge function, and a worker
# that runs the scenario (training included) once per GET.
const runtimes :Workerd.Config = (
  services = [
    (name = "edge", worker = .edgeWorker),
    (name = "scenario", worker = .scenarioWorker),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8787", http = (), service = "edge"),
    (name = "scenario", address = "127.0.0.1:8788", http = (), service = "scenario"),
  ],
);

# examples/edge/worker.mjs as Cloudflare would bundle it: "autoencoders" is the
# package's default entry, "autoencoders/core.wasm" a compiled wasm module
# (Workers refuse to compile wasm from bytes at run time), model.bin a data
# module (an ArrayBuffer).
const edgeWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "../../examples/edge/worker.mjs"),
    (name = "handler.mjs", esModule = embed "../../examples/edge/handler.mjs"),
    (name = "model.bin", data = embed "/edge-model.bin"),
    (name = "autoencoders", esModule = embed "../../dist/index.js"),
    (name = "autoencoders/core.wasm", wasm = embed "../../dist/core.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);

# The scenario trains, so it also gets dist/training.js, the chunk that fit()
# imports as "./training.js" and that imports the entry back as "./index.js":
# under its bare name "autoencoders" the entry is not "index.js", so that name
# re-exports it (one module instance, as a bundler such as wrangler's makes).
const scenarioWorker :Workerd.Worker = (
  modules = [
    (name = "workerd-scenario.mjs", esModule = embed "workerd-scenario.mjs"),
    (name = "scenario.mjs", esModule = embed "scenario.mjs"),
    (name = "autoencoders", esModule = embed "../../dist/index.js"),
    (name = "training.js", esModule = embed "../../dist/training.js"),
    (name = "index.js", esModule = "export * from \"autoencoders\";"),
    (name = "autoencoders/core.wasm", wasm = embed "../../dist/core.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
