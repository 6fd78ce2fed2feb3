import { describe, expect, it } from "vitest";
import { blank, engine, expectClose, put, randomArray } from "../helpers.js";
import { adamReference, sgdReference, type AdamHyper, type SgdHyper } from "../reference/optim.js";

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
const STEPS = 5;
const PARAM_TOL = { atol: 1e-7, rtol: 1e-6 };
const MOMENT_TOL = { atol: 1e-7, rtol: 1e-6 };
const SECOND_MOMENT_TOL = { atol: 1e-11, rtol: 1e-6 };

type Engine = Awaited<ReturnType<typeof engine>>;

const bits = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

const ADAM: [string, AdamHyper][] = [
  ["adam", { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }],
  ["adam + L2", { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled: false }],
  ["adamw", { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled: true }],
  ["adamw, no decay", { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: true }],
  ["adam, other betas", { lr: 3e-3, beta1: 0.5, beta2: 0.9, eps: 1e-6, weightDecay: 0.1, decoupled: false }],
];

function adamKernel(e: Engine, h: AdamHyper, p: number, g: number, m: number, v: number, n: number, t: number, keep = 0, keepStride = 0): void {
  e.kernels.f32_adam_step(p, g, m, v, n, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled ? 1 : 0, t, keep, keepStride);
}

describe("f32_adam_step", () => {
  for (const [name, h] of ADAM) {
    it.each(SIZES)(`${name}: steps t = 1..${STEPS} at n=%i against f64`, async (n) => {
      const e = await engine();
      e.arena.scoped(() => {
        const p0 = randomArray(n, n + 1);
        const refP = Float64Array.from(p0);
        const refM = new Float64Array(n);
        const refV = new Float64Array(n);
        const p = put(e, p0);
        const m = blank(e, n, 0);
        const v = blank(e, n, 0);
        for (let t = 1; t <= STEPS; t++) {
          const grad = randomArray(n, 1000 * t + n, -2, 2);
          const g = put(e, grad);
          adamKernel(e, h, p, g, m, v, n, t);
          adamReference(refP, grad, refM, refV, h, t);
          const label = `${name} n=${n} t=${t}`;
          expectClose(e.arena.read(p, n), refP, PARAM_TOL, `${label} param`);
          expectClose(e.arena.read(m, n), refM, MOMENT_TOL, `${label} m`);
          expectClose(e.arena.read(v, n), refV, SECOND_MOMENT_TOL, `${label} v`);
          expect(bits(e.arena.read(g, n)), `${label}: grad must be read only`).toEqual(bits(grad));
        }
      });
    });
  }

  it("late steps (t = 10000): bias correction → 1", async () => {
    const e = await engine();
    const [, h] = ADAM[1]!;
    e.arena.scoped(() => {
      const n = 33;
      const p0 = randomArray(n, 5);
      const grad = randomArray(n, 6);
      const m0 = randomArray(n, 7, -0.1, 0.1);
      const v0 = randomArray(n, 8, 0.001, 0.01);
      const [refP, refM, refV] = [Float64Array.from(p0), Float64Array.from(m0), Float64Array.from(v0)];
      const [p, m, v] = [put(e, p0), put(e, m0), put(e, v0)];
      adamKernel(e, h, p, put(e, grad), m, v, n, 10000);
      adamReference(refP, grad, refM, refV, h, 10000);
      expectClose(e.arena.read(p, n), refP, PARAM_TOL, "t=10000 param");
      expectClose(e.arena.read(m, n), refM, MOMENT_TOL, "t=10000 m");
      expectClose(e.arena.read(v, n), refV, SECOND_MOMENT_TOL, "t=10000 v");
    });
  });

  it("each element's bits are the same in the SIMD body and the scalar tail", async () => {
    const e = await engine();
    const n = 19;
    for (const [name, h] of ADAM) {
      e.arena.scoped(() => {
        const [p0, grad, m0, v0] = [randomArray(n, 1), randomArray(n, 2), randomArray(n, 3), randomArray(n, 4, 0, 0.1)];
        const [p, g, m, v] = [put(e, p0), put(e, grad), put(e, m0), put(e, v0)];
        adamKernel(e, h, p, g, m, v, n, 3);
        const [q, mq, vq] = [put(e, p0), put(e, m0), put(e, v0)];
        for (let i = 0; i < n; i++) adamKernel(e, h, q + 4 * i, g + 4 * i, mq + 4 * i, vq + 4 * i, 1, 3);
        expect(bits(e.arena.read(q, n)), `${name} param`).toEqual(bits(e.arena.read(p, n)));
        expect(bits(e.arena.read(mq, n)), `${name} m`).toEqual(bits(e.arena.read(m, n)));
        expect(bits(e.arena.read(vq, n)), `${name} v`).toEqual(bits(e.arena.read(v, n)));
      });
    }
  });

  it.each(SIZES)("keep ≠ 0 stores p, m, v from before the update and changes no bit of the update, n=%i", async (n) => {
    const e = await engine();
    const [, h] = ADAM[2]!;
    e.arena.scoped(() => {
      const [p0, grad, m0, v0] = [randomArray(n, 11), randomArray(n, 12), randomArray(n, 13), randomArray(n, 14, 0, 0.1)];
      const g = put(e, grad);
      const [p, m, v] = [put(e, p0), put(e, m0), put(e, v0)];
      adamKernel(e, h, p, g, m, v, n, 4);
      // The keep block with a stride wider than n and a guard after it: nothing outside the three rows is written.
      const stride = n + 5;
      const keep = blank(e, 3 * stride + 4);
      const [q, mq, vq] = [put(e, p0), put(e, m0), put(e, v0)];
      adamKernel(e, h, q, g, mq, vq, n, 4, keep, stride);
      expect(bits(e.arena.read(q, n)), "param").toEqual(bits(e.arena.read(p, n)));
      expect(bits(e.arena.read(mq, n)), "m").toEqual(bits(e.arena.read(m, n)));
      expect(bits(e.arena.read(vq, n)), "v").toEqual(bits(e.arena.read(v, n)));
      const kept = e.arena.read(keep, 3 * stride + 4);
      [p0, m0, v0].forEach((before, row) => {
        expect(bits(kept.subarray(row * stride, row * stride + n)), `kept row ${row}`).toEqual(bits(Float32Array.from(before)));
        expect(Array.from(kept.subarray(row * stride + n, (row + 1) * stride)).every(Number.isNaN), `row ${row} padding untouched`).toBe(true);
      });
      expect(Array.from(kept.subarray(3 * stride)).every(Number.isNaN), "guard untouched").toBe(true);
    });
  });
});

const SGD: [string, SgdHyper][] = [
  ["plain", { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false }],
  ["plain + L2", { lr: 0.1, momentum: 0, weightDecay: 0.01, nesterov: false }],
  ["momentum", { lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false }],
  ["momentum + L2", { lr: 0.05, momentum: 0.8, weightDecay: 0.01, nesterov: false }],
  ["nesterov", { lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: true }],
  ["nesterov + L2", { lr: 0.05, momentum: 0.8, weightDecay: 0.01, nesterov: true }],
];

function sgdKernel(e: Engine, h: SgdHyper, p: number, g: number, vel: number, n: number): void {
  e.kernels.f32_sgd_step(p, g, vel, n, h.lr, h.momentum, h.weightDecay, h.nesterov ? 1 : 0);
}

describe("f32_sgd_step", () => {
  for (const [name, h] of SGD) {
    it.each(SIZES)(`${name}: ${STEPS} steps at n=%i against f64`, async (n) => {
      const e = await engine();
      e.arena.scoped(() => {
        const p0 = randomArray(n, n + 2);
        const refP = Float64Array.from(p0);
        const refVel = new Float64Array(n);
        const p = put(e, p0);
        // Without momentum the velocity must stay untouched: a NaN sentinel shows any write.
        const vel = blank(e, n, h.momentum === 0 ? Number.NaN : 0);
        for (let step = 1; step <= STEPS; step++) {
          const grad = randomArray(n, 2000 * step + n, -2, 2);
          const g = put(e, grad);
          sgdKernel(e, h, p, g, vel, n);
          sgdReference(refP, grad, refVel, h);
          const label = `sgd ${name} n=${n} step ${step}`;
          expectClose(e.arena.read(p, n), refP, PARAM_TOL, `${label} param`);
          if (h.momentum !== 0) expectClose(e.arena.read(vel, n), refVel, { atol: 1e-6, rtol: 1e-6 }, `${label} velocity`);
          else expect(e.arena.read(vel, n).every(Number.isNaN), `${label}: velocity written`).toBe(true);
          expect(bits(e.arena.read(g, n)), `${label}: grad must be read only`).toEqual(bits(grad));
        }
      });
    });
  }

  it("each element's bits are the same in the SIMD body and the scalar tail", async () => {
    const e = await engine();
    const n = 19;
    for (const [name, h] of SGD) {
      e.arena.scoped(() => {
        const [p0, grad, vel0] = [randomArray(n, 1), randomArray(n, 2), randomArray(n, 3)];
        const [p, g, vel] = [put(e, p0), put(e, grad), put(e, vel0)];
        sgdKernel(e, h, p, g, vel, n);
        const [q, velq] = [put(e, p0), put(e, vel0)];
        for (let i = 0; i < n; i++) sgdKernel(e, h, q + 4 * i, g + 4 * i, velq + 4 * i, 1);
        expect(bits(e.arena.read(q, n)), `${name} param`).toEqual(bits(e.arena.read(p, n)));
        expect(bits(e.arena.read(velq, n)), `${name} velocity`).toEqual(bits(e.arena.read(vel, n)));
      });
    }
  });
});
