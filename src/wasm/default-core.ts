// The wasm core that init() loads when it is given none. This file serves the
// default entry (dist/index.js): the bytes are embedded in the bundle, deflated
// and as base64, so it runs with no file system and no fetch (edge runtimes,
// workers, bundlers with no wasm plugin). rollup.config.mjs puts another
// module in its place for the slim entry: no core, init({ wasm }) first.
import { inflateBase64 } from "./bootstrap.js";
import { CORE_WASM_DEFLATED_BASE64, CORE_WASM_SIZE } from "./core-wasm.generated.js";

/** The wasm core's bytes, or null when this build carries none. */
export async function defaultCoreBytes(): Promise<Uint8Array<ArrayBuffer> | null> {
  return inflateBase64(CORE_WASM_DEFLATED_BASE64, CORE_WASM_SIZE);
}
