// A module worker that serves reconstructions from saved model bytes, the way
// an edge isolate or a browser worker would: no Node globals, no file system.
//   → { type: "load", bytes }                → ← { type: "loaded", inputShape, nodeGlobals }
//   → { type: "reconstruct", id, data, shape } → ← { type: "reconstruction", id, data, scores }
import { Autoencoder } from "../../dist/index.js";

let model = null;

self.onmessage = async ({ data: message }) => {
  try {
    if (message.type === "load") {
      model?.dispose();
      model = await Autoencoder.load(message.bytes);
      const nodeGlobals = Object.fromEntries(["process", "Buffer", "require", "global"].map((name) => [name, typeof globalThis[name]]));
      self.postMessage({ type: "loaded", inputShape: model.inputShape, nodeGlobals });
    } else if (message.type === "reconstruct") {
      const x = { data: message.data, shape: message.shape };
      const out = model.reconstruct(x).data;
      const scores = model.reconstructionError(x);
      self.postMessage({ type: "reconstruction", id: message.id, data: out, scores }, [out.buffer, scores.buffer]);
    }
  } catch (error) {
    self.postMessage({ type: "error", id: message.id, message: String(error?.stack ?? error) });
  }
};
