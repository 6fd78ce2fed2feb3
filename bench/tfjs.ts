// TensorFlow.js as a peer in the benches: its wasm backend started on one
// thread, its version, and the pieces of fit and predict the autoencoder benches share.
import { createRequire } from "node:module";
import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { epochTimer } from "./report.js";

const require = createRequire(import.meta.url);

/** The installed @tensorflow/tfjs-backend-wasm version. */
export const tfjsWasmVersion = (require("@tensorflow/tfjs-backend-wasm/package.json") as { version: string }).version;

/** Starts tfjs's wasm backend on one thread; returns which binary it runs. */
export async function startTfjsWasm(): Promise<string> {
  setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + "/");
  setThreadsCount(1);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs wasm backend failed to initialize");
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) as boolean;
  const threaded = (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) as boolean;
  const binary = simd && threaded ? "tfjs-backend-wasm-threaded-simd.wasm" : simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
  return `${binary} (SIMD ${simd ? "yes" : "no"}, threaded ${threaded ? "yes" : "no"}, XNNPACK threads ${getThreadsCount()})`;
}

/** fit callbacks that drive an `epochTimer` (tfjs wants them async). */
export function epochCallbacks(timer: ReturnType<typeof epochTimer>) {
  return { onEpochBegin: async () => timer.onEpochBegin(), onEpochEnd: async () => timer.onEpochEnd() };
}

/** One predict + dataSync over `data` of shape `shape`, Float32Array in and out like reconstruct. */
export function predictCall(model: tf.Sequential, data: Float32Array, shape: number[], batchSize: number): () => void {
  return () => {
    const y = tf.tidy(() => model.predict(tf.tensor(data, shape), { batchSize }) as tf.Tensor);
    y.dataSync();
    y.dispose();
  };
}
