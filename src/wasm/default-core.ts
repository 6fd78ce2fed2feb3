// The wasm core that init() loads when it is given none. This file serves the
// default entry (dist/index.js): the bytes are embedded in the bundle as
// base64, so it runs with no file system and no fetch (edge runtimes,
// workers, bundlers with no wasm plugin). rollup.config.mjs puts another
// module in its place for the slim entry: no core, init({ wasm }) first.
import { decodeBase64 } from "./base64.js";
import { CORE_WASM_BASE64 } from "./core-wasm.generated.js";

/** The wasm core's bytes, or null when this build carries none. */
export async function defaultCoreBytes(): Promise<Uint8Array<ArrayBuffer> | null> {
  return decodeBase64(CORE_WASM_BASE64);
}
