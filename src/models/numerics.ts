// Which numerics profile (src/wasm/numerics.ts) a model's weights were
// trained with: recorded in its file, checked before training.
import { ConfigError, describe, ModelFormatError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Numerics } from "../wasm/numerics.js";

/** The profile a model file records; files written before the field existed (and every "exact" file: the field is left out) are "exact". */
export function savedNumerics(value: unknown, what: string): Numerics {
  if (value === undefined || value === "exact" || value === "fma") return value ?? "exact";
  throw new ModelFormatError(`${what}.load: expected numerics "exact" or "fma", found ${describe(value)}`);
}

/**
 * Training runs with the engine's profile. A model that has taken steps under
 * the other profile is refused, so one model's bits never mix the two (and a
 * saved model says truthfully what trained it); a model that has not trained
 * yet takes the engine's profile. Inference runs under either.
 */
export function assertTrainingNumerics(model: { numerics: Numerics; step: number }): void {
  const engine = getEngine().numerics;
  if (model.numerics === engine) return;
  if (model.step === 0) {
    model.numerics = engine;
    return;
  }
  throw new ConfigError(
    `fit: this model was trained with numerics "${model.numerics}", the engine runs "${engine}": ` +
      `init({ numerics: "${model.numerics}" }) before loading it to train on (inference runs under either)`,
  );
}
