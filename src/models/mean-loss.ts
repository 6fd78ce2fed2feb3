// Samples held in the wasm memory and their mean loss: what evaluate() runs,
// and what the training loop (fit.ts, loaded only when a model trains) reuses.
import { Tensor } from "../ops/tensor.js";
import { getEngine } from "../wasm/module.js";
import { assertFinite, type Batch } from "./data.js";
import type { LossParts, Trainable } from "./fit.js";

/** Rows of a batch copied into a persistent block, checked for NaN/Infinity. */
export class Resident {
  readonly ptr: number;
  constructor(readonly batch: Batch, what: string) {
    const e = getEngine();
    this.ptr = e.arena.alloc(batch.data.length * 4, `the data to train on (${what})`);
    e.arena.write(this.ptr, batch.data);
    try {
      assertFinite(e, this.ptr, batch.rows, batch.cols, what);
    } catch (error) {
      e.arena.free(this.ptr);
      throw error;
    }
  }
  free(): void {
    getEngine().arena.free(this.ptr);
  }
}

/** Mean per-sample loss parts over `rows` samples at `xPtr` (each its own target), in inference mode. */
export function meanLoss(model: Trainable, xPtr: number, rows: number, cols: number, batchSize: number): LossParts {
  const { arena } = getEngine();
  const sums: Record<string, number> = {};
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    arena.scoped(() => {
      const x = new Tensor(xPtr + start * cols * 4, [n, cols]);
      const parts = model.batchLoss(x, x, { tape: null, training: false, seed: model.seed, step: model.step, firstRow: start });
      for (const key of Object.keys(parts)) sums[key] = (sums[key] ?? 0) + parts[key]! * n;
    });
  }
  const mean: LossParts = { loss: 0 };
  for (const key of Object.keys(sums)) mean[key] = sums[key]! / rows;
  return mean;
}
