// One-call op checks: the forward against an independent f64 reference, and
// the backward against central finite differences of that reference (in f64,
// so the differences themselves are accurate to ~1e-9).
import { expect } from "vitest";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { init } from "../../src/wasm/module.js";
import { expectClose, randomArray, type Tolerance } from "../helpers.js";

export interface OpInput {
  shape: number[];
  /** Values; seeded uniform in [-1, 1) when omitted. */
  data?: Float32Array;
  /** Check the gradient with respect to this input. Default true. */
  grad?: boolean;
}

export interface OpCheck {
  label: string;
  inputs: OpInput[];
  /** The op under test: a tensor output, or a scalar loss. */
  op: (tape: Tape, inputs: Tensor[]) => Tensor | number;
  /** The same function in f64 on the inputs' values. */
  reference: (inputs: Float64Array[]) => Float64Array | number;
  forward?: Tolerance;
  backward?: Tolerance;
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  seed?: number;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export async function checkOp(c: OpCheck): Promise<void> {
  const { arena } = await init();
  const seed = c.seed ?? 1;
  const values = c.inputs.map((input, i) => input.data ?? randomArray(product(input.shape), seed * 101 + i));
  arena.scoped(() => {
    const tensors = c.inputs.map((input, i) => {
      const ptr = arena.scratch(values[i]!.length * 4);
      arena.write(ptr, values[i]!);
      return new Tensor(ptr, input.shape, input.grad !== false);
    });
    const tape = new Tape();
    const out = c.op(tape, tensors);
    const f64 = values.map((v) => Float64Array.from(v));
    const expected = c.reference(f64);
    // A scalar loss is its own objective; a tensor output is reduced with fixed random weights.
    let weights: Float64Array | null = null;
    if (typeof out === "number") {
      expect(typeof expected, `${c.label}: reference kind`).toBe("number");
      expectClose([out], [expected as number], c.forward ?? { atol: 1e-5, rtol: 1e-5 }, `${c.label} forward`);
    } else {
      const got = arena.read(out.ptr, out.size);
      expectClose(got, expected as Float64Array, c.forward ?? { atol: 1e-5, rtol: 1e-5 }, `${c.label} forward`, out.shape.length === 2 ? out.shape : undefined);
      weights = Float64Array.from(randomArray(out.size, seed + 7));
      const g = tape.gradTarget(out);
      arena.write(g.ptr, weights);
    }
    tape.backward();
    const objective = (inputs: Float64Array[]): number => {
      const r = c.reference(inputs);
      if (typeof r === "number") return r;
      let s = 0;
      for (let i = 0; i < r.length; i++) s += r[i]! * weights![i]!;
      return s;
    };
    const eps = c.eps ?? 1e-6;
    c.inputs.forEach((input, i) => {
      if (input.grad === false) return;
      const t = tensors[i]!;
      expect(t.grad, `${c.label}: no gradient reached input ${i}`).not.toBeNull();
      const analytic = arena.read(t.grad!.ptr, t.size);
      const numeric = new Float64Array(t.size);
      const x = f64[i]!;
      for (let j = 0; j < x.length; j++) {
        const keep = x[j]!;
        x[j] = keep + eps;
        const up = objective(f64);
        x[j] = keep - eps;
        const down = objective(f64);
        x[j] = keep;
        numeric[j] = (up - down) / (2 * eps);
      }
      expectClose(analytic, numeric, c.backward ?? { atol: 1e-4, rtol: 1e-3 }, `${c.label} gradient of input ${i}`, input.shape.length === 2 ? input.shape : undefined);
    });
  });
}
