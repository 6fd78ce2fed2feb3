// The penalty and sampling ops of the denoising, sparse, contractive and
// variational autoencoders: forward against f64 references, gradients against
// finite differences.
import { describe, expect, it } from "vitest";
import { contractiveLoss } from "../../src/losses/contractive.js";
import { klNormalLoss } from "../../src/losses/kl-normal.js";
import { klSparsityLoss, l1ActivityLoss } from "../../src/losses/sparsity.js";
import { dropout } from "../../src/ops/dropout.js";
import { kSparse } from "../../src/ops/k-sparse.js";
import { reparameterize } from "../../src/ops/reparameterize.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { engine, randomArray } from "../helpers.js";
import { checkOp } from "./check-op.js";

const SHAPES: [number, number][] = [[1, 1], [1, 5], [3, 4], [4, 7], [9, 3]];

describe("penalties and samplers", () => {
  it.each(SHAPES)("l1 activity %ix%i", async (r, c) => {
    const data = randomArray(r * c, r * 10 + c).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
    await checkOp({
      label: "l1Activity",
      inputs: [{ shape: [r, c], data }],
      op: (tape, [z]) => l1ActivityLoss(tape, z!, 0.3),
      reference: ([z]) => 0.3 * z!.reduce((s, v) => s + Math.abs(v), 0),
    });
  });

  it.each(SHAPES)("kl sparsity %ix%i", async (r, c) => {
    const rho = 0.05;
    await checkOp({
      label: "klSparsity",
      inputs: [{ shape: [r, c], data: randomArray(r * c, r + c, 0.02, 0.9) }],
      op: (tape, [z]) => klSparsityLoss(tape, z!, rho, 0.7),
      reference: ([z]) => {
        let s = 0;
        for (let j = 0; j < c; j++) {
          let m = 0;
          for (let i = 0; i < r; i++) m += z![i * c + j]!;
          m /= r;
          s += rho * Math.log(rho / m) + (1 - rho) * Math.log((1 - rho) / (1 - m));
        }
        return 0.7 * r * s;
      },
      backward: { atol: 1e-4, rtol: 2e-3 },
    });
  });

  it.each(SHAPES)("contractive %ix%i", async (r, c) => {
    const inputs = 3;
    await checkOp({
      label: "contractive",
      inputs: [{ shape: [r, c], data: randomArray(r * c, r * c, 0.05, 0.95) }, { shape: [inputs, c] }],
      op: (tape, [h, w]) => contractiveLoss(tape, h!, w!, 0.5),
      reference: ([h, w]) => {
        let s = 0;
        for (let j = 0; j < c; j++) {
          let norm = 0;
          for (let k = 0; k < inputs; k++) norm += w![k * c + j]! ** 2;
          for (let i = 0; i < r; i++) s += (h![i * c + j]! * (1 - h![i * c + j]!)) ** 2 * norm;
        }
        return 0.5 * s;
      },
    });
  });

  it.each(SHAPES)("kl to N(0, I) %ix%i", async (r, c) => {
    await checkOp({
      label: "klNormal",
      inputs: [{ shape: [r, c] }, { shape: [r, c], data: randomArray(r * c, 5, -2, 1) }],
      op: (tape, [mu, lv]) => klNormalLoss(tape, mu!, lv!, 0.25),
      reference: ([mu, lv]) => 0.25 * mu!.reduce((s, m, i) => s + 0.5 * (Math.exp(lv![i]!) + m * m - 1 - lv![i]!), 0),
    });
  });

  it.each(SHAPES)("reparameterize %ix%i", async (r, c) => {
    await checkOp({
      label: "reparameterize",
      inputs: [{ shape: [r, c] }, { shape: [r, c], data: randomArray(r * c, 6, -2, 1) }, { shape: [r, c], data: randomArray(r * c, 7, -2, 2), grad: false }],
      op: (tape, [mu, lv, eps]) => reparameterize(tape, mu!, lv!, eps!),
      reference: ([mu, lv, eps]) => mu!.map((m, i) => m + Math.exp(0.5 * lv![i]!) * eps![i]!),
      forward: { atol: 2e-6, rtol: 2e-6 },
    });
  });

  it.each([[1, 5, 1], [3, 8, 2], [4, 7, 7], [2, 33, 5]])("k-sparse %ix%i keeps k=%i per row", async (r, c, k) => {
    await checkOp({
      label: "kSparse",
      inputs: [{ shape: [r, c] }],
      op: (tape, [x]) => kSparse(tape, x!, k),
      reference: ([x]) => {
        const y = new Float64Array(x!.length);
        for (let i = 0; i < r; i++) {
          const row = Array.from(x!.subarray(i * c, (i + 1) * c));
          const kth = [...row].sort((a, b) => b - a)[k - 1]!;
          row.forEach((v, j) => (y[i * c + j] = v >= kth ? v : 0));
        }
        return y;
      },
      forward: { atol: 0, rtol: 0 },
    });
  });

  it("dropout drops about `rate`, scales the rest, and routes gradients through the same mask", async () => {
    const { arena } = await engine();
    const n = 20000;
    arena.scoped(() => {
      const ptr = arena.scratch(n * 4);
      arena.write(ptr, new Float32Array(n).fill(2));
      const x = new Tensor(ptr, [1, n], true);
      const tape = new Tape();
      const y = dropout(tape, x, 0.25, 9, 3, 0);
      const out = arena.read(y.ptr, n);
      const dropped = out.filter((v) => v === 0).length;
      expect(Math.abs(dropped / n - 0.25)).toBeLessThan(0.02);
      expect(out.every((v) => v === 0 || Math.abs(v - 2 / 0.75) < 1e-6)).toBe(true);
      const g = tape.gradTarget(y);
      arena.write(g.ptr, new Float32Array(n).fill(1));
      tape.backward();
      const dx = arena.read(x.grad!.ptr, n);
      for (let i = 0; i < n; i += 97) expect(dx[i]).toBeCloseTo(out[i]! === 0 ? 0 : 1 / 0.75, 6);
      const again = dropout(null, x, 0.25, 9, 3, 0);
      expect(Array.from(arena.read(again.ptr, n))).toEqual(Array.from(out));
    });
  });
});
