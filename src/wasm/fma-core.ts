// Everything numerics "fma" loads (numerics.ts imports this module only for
// it, dynamically): the runtime check and the FMA core (asconfig.json's fma
// target) that init({ numerics: "fma" }) loads when it is given none. The
// bundler puts this module, with the embedded bytes, in a chunk of its own
// (dist/core-fma.js), so the default entry does not grow by a second core.
// rollup.config.mjs gives the slim entry a copy without the bytes.
// It imports nothing the entry has (numerics.ts inflates the bytes), so the
// chunk takes no internal names from the entry.
export { relaxedMadd, relaxedSimdReady } from "./fma-probe.js";

/** The FMA core, deflated, as base64 (null when this build carries none), and its size. */
export { CORE_FMA_DEFLATED_BASE64, CORE_FMA_SIZE } from "./core-fma.generated.js";
