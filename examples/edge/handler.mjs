// An edge function that scores samples by their reconstruction error (anomaly
// score) with a saved autoencoder. It uses only web APIs (Request, Response,
// JSON) and the default entry of `autoencoders`, which embeds the wasm core:
// no file system, no `process`, no fetch of a .wasm file.
//
//   POST /  {"rows": [[...], ...]}  →  {"scores": [...], "inputShape": [...]}
//   GET  /                          →  {"inputShape": [...], "codeShape": [...]}
//
// The model is loaded once per isolate, on the first request, and reused.
import { Autoencoder, AutoencoderError, init } from "autoencoders";

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * Builds a `{ fetch(request) }` handler around a model.
 * `loadModelBytes` returns the bytes of `model.save()` (a Uint8Array, or a promise of one).
 * `options.wasm`, when given, is where the wasm core comes from (passed to
 * `init`): Cloudflare Workers need a compiled `WebAssembly.Module` there,
 * because they refuse to compile the copy embedded in the default entry.
 */
export function createHandler(loadModelBytes, options = {}) {
  let model = null;
  const load = async () => {
    if (options.wasm !== undefined) await init({ wasm: options.wasm });
    return Autoencoder.load(new Uint8Array(await loadModelBytes()));
  };
  const getModel = () => (model ??= load());
  return {
    async fetch(request) {
      const ae = await getModel();
      if (request.method === "GET") return json({ inputShape: ae.inputShape, codeShape: ae.codeShape });
      if (request.method !== "POST") return json({ error: "use GET or POST" }, 405);
      let body;
      try {
        body = await request.json();
      } catch {
        return json({ error: "expected a JSON body such as {\"rows\": [[0.1, 0.2, ...]]}" }, 400);
      }
      try {
        // One call for the whole batch: encode → decode → mean squared error per row.
        const scores = ae.reconstructionError(body?.rows);
        return json({ scores: Array.from(scores), inputShape: ae.inputShape });
      } catch (error) {
        // Shape and data errors name what was expected and what was found.
        if (error instanceof AutoencoderError) return json({ error: error.message }, 400);
        throw error;
      }
    },
  };
}
