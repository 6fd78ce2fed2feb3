// Records the backward of each op of one step and replays them in reverse.
// Gradients of non-parameters live in scratch and die with the step; the
// first backward to reach a tensor writes its gradient, later ones add to it.
import { getEngine } from "../wasm/module.js";
import { Tensor } from "./tensor.js";

export class Tape {
  private readonly backwards: (() => void)[] = [];
  private readonly written = new Set<Tensor>();

  /** Registers the backward of an op just run; called by ops, in forward order. */
  record(backward: () => void): void {
    this.backwards.push(backward);
  }

  /**
   * Where the gradient of `t` goes, and whether to add to it (1) or write it
   * (0). Allocates the gradient of a non-parameter on first use.
   */
  gradTarget(t: Tensor): { ptr: number; accumulate: 0 | 1 } {
    const accumulate = this.written.has(t) ? 1 : 0;
    if (!t.grad) t.grad = new Tensor(getEngine().arena.scratch(t.size * 4), t.shape);
    this.written.add(t);
    return { ptr: t.grad.ptr, accumulate };
  }

  /** The gradient of `t` if any backward wrote one this step. */
  gradOf(t: Tensor): Tensor | null {
    return this.written.has(t) ? t.grad : null;
  }

  /** Runs every recorded backward, last op first. */
  backward(): void {
    for (let i = this.backwards.length - 1; i >= 0; i--) this.backwards[i]!();
  }

  /** Whether a backward wrote the gradient of `t` (parameters a step did not reach are zeroed by the caller). */
  wrote(t: Tensor): boolean {
    return this.written.has(t);
  }
}
