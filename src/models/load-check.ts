// What `load` checks before a model file's config allocates anything: every
// parameter, state and optimizer tensor the config declares must be in the
// file with its exact shape (and nothing else may be), so the slab a file can
// cause is at most (2 + optimizer slots) times the file's own tensor bytes
// plus 64 bytes of alignment per tensor; and no layer may produce more than
// `loadLimits.maxValuesPerSample` values for one sample, so the scratch that
// inference or `sample(1)` needs stays bounded too.
import { describe, ModelFormatError } from "../errors.js";
import type { ParamSpec, StateSpec } from "../layers/layer.js";
import { shapeText, sizeOf } from "../shape.js";

/** Limits on what a loaded model may need beyond the file's own size; raise them before `load` for larger models. */
export const loadLimits = {
  /** Values one layer may output for one sample (2^24 floats: 64 MiB). */
  maxValuesPerSample: 2 ** 24,
};

export interface LoadCheck {
  /** Called before the slab and state block are allocated. */
  bind(params: readonly ParamSpec[], states: readonly StateSpec[], paddedCount: number, stateSlots: number): void;
  /** Called as each layer's output shape becomes known. */
  layer(name: string, shape: readonly number[]): void;
}

let active: LoadCheck | null = null;

/** Runs `build` (synchronous) with `check` watching every network and slab it creates. */
export function whileLoading<T>(check: LoadCheck, build: () => T): T {
  const previous = active;
  active = check;
  try {
    return build();
  } finally {
    active = previous;
  }
}

export function checkBind(params: readonly ParamSpec[], states: readonly StateSpec[], paddedCount: number, stateSlots: number): void {
  active?.bind(params, states, paddedCount, stateSlots);
}

export function checkLayer(name: string, shape: readonly number[]): void {
  if (!active) return;
  const values = sizeOf(shape);
  if (!(values <= loadLimits.maxValuesPerSample)) {
    throw new ModelFormatError(`${name}: expected at most ${loadLimits.maxValuesPerSample} values per sample (loadLimits.maxValuesPerSample), found output shape ${shapeText(shape)} (${values} values)`);
  }
  active.layer(name, shape);
}

/** The check for a file's tensors: exact names and shapes, no extras, every value finite. */
export function fileTensorCheck(tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>, withOptimizer: boolean, what: string): LoadCheck {
  return {
    bind(params, states, paddedCount, stateSlots) {
      const expected = new Map<string, readonly number[]>();
      for (const spec of [...params, ...states]) expected.set(spec.name, spec.shape);
      if (withOptimizer) for (let i = 0; i < stateSlots; i++) expected.set(`optimizer.state${i}`, [paddedCount]);
      for (const [name, shape] of expected) {
        const t = tensors.get(name);
        if (!t) throw new ModelFormatError(`${what}: expected a tensor named ${describe(name)} of shape ${shapeText(shape)}, found none`);
        if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
          throw new ModelFormatError(`${what}: expected ${describe(name)} of shape ${shapeText(shape)} as the saved config declares, found ${shapeText(t.shape)}`);
        }
      }
      for (const name of tensors.keys()) {
        if (!expected.has(name)) throw new ModelFormatError(`${what}: found a tensor ${describe(name)} that the saved config does not declare`);
      }
    },
    layer() {},
  };
}

/** Refuses NaN and ±Infinity in any tensor of a file. */
export function assertFiniteTensors(tensors: ReadonlyMap<string, { data: Float32Array }>, what: string): void {
  for (const [name, t] of tensors) {
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new ModelFormatError(`${what}: expected finite values in tensor ${describe(name)}, found ${data[i]} at index ${i}`);
    }
  }
}
