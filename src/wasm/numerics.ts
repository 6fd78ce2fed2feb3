// The numerics profiles a core is built for, and what init() checks before
// it loads one. "exact" (the default): every product rounds a·b, then the
// sum, as the f32x4 mul + add of wasm SIMD 1.0, the same bits on every
// runtime and CPU. "fma": the mul+add-bound kernels (the gemm, the
// convolutions' inner loops) use f32x4.relaxed_madd (assembly/madd.ts) in a
// second core; relaxed SIMD lets a runtime fuse it or not, so this profile
// runs only where a probe shows it fused: one rounding of a·b + c, the same
// bits on every CPU that fuses (x86-64 with FMA3, ARM64), different bits
// from "exact".
import { ConfigError, describe, UnsupportedRuntimeError } from "../errors.js";
import type { Arena } from "./arena.js";
import { inflateBase64 } from "./bootstrap.js";
import type { Kernels } from "./kernels.js";

/** The numerics profile: "exact" (the default: the same bits on every runtime and CPU) or "fma" (fused multiply-add where the CPU fuses it). */
export type Numerics = "exact" | "fma";

/** The profile `value` names; undefined is the default, "exact". */
export function checkNumerics(value: unknown): Numerics {
  if (value === undefined || value === "exact" || value === "fma") return value ?? "exact";
  throw new ConfigError(`init: expected numerics "exact" or "fma", found ${describe(value)}`);
}

/**
 * Inputs where one rounding and two differ: a·b = 1 + 2⁻¹¹ + 2⁻²⁴ is a tie
 * in f32 (rounded to even: 1 + 2⁻¹¹), so a·b + c is 2⁻²⁴ fused and +0 with
 * two roundings; the second triple flips the signs: -2⁻²⁴ fused, +0 not.
 */
export const MADD_PROBES: readonly (readonly [a: number, b: number, c: number, fused: number])[] = [
  [1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11), 2 ** -24],
  [-(1 + 2 ** -12), 1 + 2 ** -12, 1 + 2 ** -11, -(2 ** -24)],
];

/**
 * The profile a loaded core computes with, from one 1×1×2 product through the
 * few-row gemm: 1·c₀ is exact, then acc + a·b with the probe's inputs gives
 * 2⁻²⁴ fused and 0 with two roundings. So a core passed to init({ wasm })
 * cannot run under the other profile's name.
 */
export function coreNumerics(kernels: Kernels, arena: Arena): Numerics {
  const [a, b, c, fused] = MADD_PROBES[0]!;
  return arena.scoped(() => {
    const x = arena.scratch(8);
    const w = arena.scratch(8);
    const y = arena.scratch(4);
    arena.write(x, [1, a]);
    arena.write(w, [c, b]);
    kernels.f32_gemm_nn(y, x, w, 0, 1, 1, 2, 0, arena.scratch(kernels.gemm_workspace_bytes(1, 1, 2)));
    return arena.read(y, 1)[0] === fused ? "fma" : "exact";
  });
}

/** Resolves when this runtime has relaxed SIMD and its relaxed_madd is fused; otherwise an UnsupportedRuntimeError that says which. */
export async function assertFusedMadd(): Promise<void> {
  const probe = await import("./fma-core.js");
  if (!(await probe.relaxedSimdReady())) {
    throw new UnsupportedRuntimeError(
      'numerics "fma" needs WebAssembly relaxed SIMD, which this runtime does not have (Node >= 20, Deno, Chrome >= 114 and Firefox >= 120 do; Safari does not): use the default numerics "exact"',
    );
  }
  for (const [a, b, c, fused] of MADD_PROBES) {
    const got = probe.relaxedMadd(a, b, c);
    if (!Object.is(got, fused)) {
      throw new UnsupportedRuntimeError(
        `numerics "fma" needs a fused multiply-add, and this runtime's f32x4.relaxed_madd is not fused: ${a}·${b} + ${c} gave ${describe(got)}, one rounding gives ${fused} (no FMA unit on this CPU?): use the default numerics "exact"`,
      );
    }
  }
}

/**
 * What init() compiles for `numerics`: the host's `wasm` or the build's own
 * core; for "fma" only once assertFusedMadd passed, and then the build's FMA
 * core (none in the slim build: init({ wasm }) with core-fma.wasm). What only
 * "fma" needs is loaded only here (fma-core.ts).
 */
export async function coreSource<S>(numerics: Numerics, wasm: S | undefined): Promise<S | Uint8Array<ArrayBuffer> | undefined> {
  if (numerics === "exact") return wasm;
  await assertFusedMadd();
  if (wasm !== undefined) return wasm;
  const { CORE_FMA_DEFLATED_BASE64, CORE_FMA_SIZE } = await import("./fma-core.js");
  if (CORE_FMA_DEFLATED_BASE64 === null) {
    throw new UnsupportedRuntimeError('this build carries no FMA core: pass core-fma.wasm to init({ numerics: "fma", wasm })');
  }
  return inflateBase64(CORE_FMA_DEFLATED_BASE64, CORE_FMA_SIZE);
}

/** Refuses a core that computes with the other profile than the one init() was asked for. */
export function assertCoreNumerics(kernels: Kernels, arena: Arena, numerics: Numerics): void {
  const found = coreNumerics(kernels, arena);
  if (found !== numerics) {
    const file = numerics === "fma" ? "core-fma.wasm" : "core.wasm";
    throw new UnsupportedRuntimeError(`init: expected the wasm core for numerics "${numerics}" (${file}), found one computing "${found}"`);
  }
}

/** The loaded engine, if it runs the profile asked for (undefined: whichever is loaded); else a ConfigError. */
export function withNumerics<E extends { numerics: Numerics }>(engine: E, wanted: unknown): Promise<E> {
  try {
    const numerics = checkNumerics(wanted);
    if (wanted !== undefined && numerics !== engine.numerics) {
      throw new ConfigError(
        `init: the engine already runs numerics "${engine.numerics}", not "${numerics}": choose numerics in the first init() call, before any model exists`,
      );
    }
    return Promise.resolve(engine);
  } catch (error) {
    return Promise.reject(error);
  }
}
