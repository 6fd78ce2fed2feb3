// What numerics.ts's fused multiply-add check runs: is relaxed SIMD there
// (on Node 20 once a V8 flag is set at run time), and what does
// f32x4.relaxed_madd give. Part of the chunk that init() imports only for
// "fma" (fma-core.ts), so the default entry does not carry it; it imports
// nothing, so that chunk takes no internal names from the entry.

// (func (export "p") (param f32 f32 f32) (result f32)
//   lane 0 of f32x4.relaxed_madd(splat a, splat b, splat c))
const MADD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 125, 125, 125, 1, 125, 3, 2, 1, 0, 7, 5, 1, 1, 112, 0, 0,
  10, 22, 1, 20, 0, 32, 0, 253, 19, 32, 1, 253, 19, 32, 2, 253, 19, 253, 133, 2, 253, 31, 0, 11,
]);

/** Node 20 (V8 11.3) has relaxed SIMD behind a flag that V8 reads when it compiles: set it here, so nothing is asked of the user. */
async function enableRelaxedSimd(): Promise<void> {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  if (!g.process?.versions?.node || g.Deno !== undefined) return;
  try {
    // Built at run time so bundlers leave this Node-only import alone (as module.ts does for node:fs).
    const v8Module = ["node", "v8"].join(":");
    const v8 = (await import(/* @vite-ignore */ v8Module)) as { setFlagsFromString(flags: string): void };
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    // A runtime that presents itself as Node but has no node:v8: the check below says what is missing.
  }
}

/** True when this runtime has relaxed SIMD, after setting Node 20's flag where it is needed. */
export async function relaxedSimdReady(): Promise<boolean> {
  if (!WebAssembly.validate(MADD_PROBE)) await enableRelaxedSimd();
  return WebAssembly.validate(MADD_PROBE);
}

/** Lane 0 of f32x4.relaxed_madd(splat a, splat b, splat c) in this runtime (relaxedSimdReady first). */
export function relaxedMadd(a: number, b: number, c: number): number {
  const probe = new WebAssembly.Instance(new WebAssembly.Module(MADD_PROBE)).exports as { p(a: number, b: number, c: number): number };
  return probe.p(a, b, c);
}
