import { describe, expect, it } from "vitest";
import type { Kernels } from "../../src/wasm/kernels.js";
import { blank, engine, put, randomArray } from "../helpers.js";
import {
  centralDifference,
  expectNear,
  leakyReluReference,
  reluReference,
  sigmoid,
  softplus,
  tanh,
  ulpF32,
  type ActivationReference,
} from "../reference/activations.js";

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
const RANGES: [number, number][] = [
  [-1, 1],
  [-20, 20],
  [-90, 90],
  [-1e4, 1e4],
];
const SPECIALS = [0, -0, 1e-30, -1e-30, 1e-40, -1e-40, 1, -1, 88, -88, 89, -89, 104, -104, 1e4, -1e4, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
const ALPHA = 0.2;

interface Activation {
  name: string;
  ref: ActivationReference;
  forward: (k: Kernels, y: number, x: number, n: number) => void;
  backward: (k: Kernels, dx: number, dy: number, y: number, n: number, accumulate: number) => void;
  /** Bound on the forward error in f32 ULPs, with margin over the maxima measured in assembly/math.ts. */
  maxUlp: number;
  /** Where f is smooth, for the finite-difference check. */
  smooth: (x: number) => boolean;
}

const ACTIVATIONS: Activation[] = [
  {
    name: "relu",
    ref: reluReference,
    forward: (k, y, x, n) => k.f32_relu(y, x, n),
    backward: (k, dx, dy, y, n, acc) => k.f32_relu_backward(dx, dy, y, n, acc),
    maxUlp: 0,
    smooth: (x) => Math.abs(x) > 1e-3,
  },
  {
    name: "leaky_relu",
    ref: leakyReluReference(Math.fround(ALPHA)),
    forward: (k, y, x, n) => k.f32_leaky_relu(y, x, ALPHA, n),
    backward: (k, dx, dy, y, n, acc) => k.f32_leaky_relu_backward(dx, dy, y, ALPHA, n, acc),
    maxUlp: 0.5,
    smooth: (x) => Math.abs(x) > 1e-3,
  },
  {
    name: "sigmoid",
    ref: sigmoid,
    forward: (k, y, x, n) => k.f32_sigmoid(y, x, n),
    backward: (k, dx, dy, y, n, acc) => k.f32_sigmoid_backward(dx, dy, y, n, acc),
    maxUlp: 3,
    smooth: () => true,
  },
  {
    name: "tanh",
    ref: tanh,
    forward: (k, y, x, n) => k.f32_tanh(y, x, n),
    backward: (k, dx, dy, y, n, acc) => k.f32_tanh_backward(dx, dy, y, n, acc),
    maxUlp: 3,
    smooth: () => true,
  },
  {
    name: "softplus",
    ref: softplus,
    forward: (k, y, x, n) => k.f32_softplus(y, x, n),
    backward: (k, dx, dy, y, n, acc) => k.f32_softplus_backward(dx, dy, y, n, acc),
    maxUlp: 2,
    smooth: () => true,
  },
];

type Engine = Awaited<ReturnType<typeof engine>>;

const bits = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

function runForward(e: Engine, a: Activation, x: Float32Array): Float32Array {
  const y = blank(e, x.length);
  a.forward(e.kernels, y, put(e, x), x.length);
  return e.arena.read(y, x.length);
}

describe.each(ACTIVATIONS)("f32_$name", (a) => {
  it.each(SIZES)("forward at n=%i against f64, inputs up to ±20, ±90, ±1e4", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      RANGES.forEach(([lo, hi], r) => {
        const x = randomArray(n, 100 * n + r, lo, hi);
        const y = runForward(e, a, x);
        expectNear(y, Float64Array.from(x, a.ref.f), { maxUlp: a.maxUlp }, `${a.name} n=${n} x in [${lo}, ${hi}]`, [x]);
      });
    });
  });

  it("forward of zeros, tiny, huge, ±Inf and NaN (NaN passes through)", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = Float32Array.from(SPECIALS);
      const y = runForward(e, a, x);
      expectNear(y, Float64Array.from(x, a.ref.f), { maxUlp: a.maxUlp }, `${a.name} specials n=${x.length}`, [x]);
    });
  });

  it("forward writes exactly n elements, also in place (y == x)", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      for (const n of [5, 17]) {
        const x = randomArray(n, n, -5, 5);
        const y = blank(e, n + 4, 7);
        a.forward(e.kernels, y, put(e, x), n);
        const out = e.arena.read(y, n + 4);
        expect(Array.from(out.subarray(n)), `${a.name} n=${n}: past the end`).toEqual([7, 7, 7, 7]);
        const inPlace = put(e, x);
        a.forward(e.kernels, inPlace, inPlace, n);
        expect(bits(e.arena.read(inPlace, n)), `${a.name} n=${n}: in place`).toEqual(bits(out.subarray(0, n)));
      }
    });
  });

  it("each element has the same bits whatever n (SIMD body vs scalar tail)", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const big = 1027;
      const x = randomArray(big, 9, -30, 30);
      const dy = randomArray(big, 10, -2, 2);
      const dx0 = randomArray(big, 11, -1, 1);
      const yAll = runForward(e, a, x);
      const grad = (n: number, acc: number) => {
        const dx = put(e, dx0.subarray(0, n));
        a.backward(e.kernels, dx, put(e, dy.subarray(0, n)), put(e, yAll.subarray(0, n)), n, acc);
        return e.arena.read(dx, n);
      };
      const gAll = [grad(big, 0), grad(big, 1)];
      for (const n of SIZES) {
        expect(bits(runForward(e, a, x.subarray(0, n))), `${a.name} forward n=${n}`).toEqual(bits(yAll.subarray(0, n)));
        for (const acc of [0, 1]) {
          expect(bits(grad(n, acc)), `${a.name} backward n=${n} accumulate=${acc}`).toEqual(bits(gAll[acc]!.subarray(0, n)));
        }
      }
    });
  });

  for (const accumulate of [0, 1]) {
    it.each(SIZES)(`backward (accumulate=${accumulate}) at n=%i: from y, against f'(x), against finite differences`, async (n) => {
      const e = await engine();
      e.arena.scoped(() => {
        const x = randomArray(n, 7 * n + 1, -5, 5);
        const dy = randomArray(n, 7 * n + 2, -2, 2);
        const dx0 = randomArray(n, 7 * n + 3, -1, 1);
        const y = runForward(e, a, x);
        const dx = put(e, dx0);
        a.backward(e.kernels, dx, put(e, dy), put(e, y), n, accumulate);
        const got = e.arena.read(dx, n);
        const base = (i: number) => (accumulate ? dx0[i]! : 0);
        const label = `${a.name}_backward n=${n} accumulate=${accumulate}`;
        // The kernel's own formula from its f32 output y, in f64: a few roundings.
        const fromY = Float64Array.from(y, (v, i) => base(i) + dy[i]! * a.ref.dfFromY(v));
        const tight = Float64Array.from(y, (v, i) => 1e-30 + 5e-7 * Math.abs(dy[i]! * a.ref.dfFromY(v)) + 6e-8 * Math.abs(fromY[i]!));
        expectNear(got, fromY, tight, `${label} vs f'(y)`, [x, y, dy]);
        // f'(x) from x: y's error (≤ maxUlp) carried through f'(y), which
        // amplifies it where f' is small (tanh near ±1).
        const fromX = Float64Array.from(x, (v, i) => base(i) + dy[i]! * a.ref.df(v));
        const loose = Float64Array.from(x, (v, i) => {
          const u = a.maxUlp * ulpF32(y[i]!);
          const propagated = Math.abs(a.ref.dfFromY(y[i]! + u) - a.ref.dfFromY(y[i]! - u)) / 2;
          return 1e-30 + Math.abs(dy[i]!) * (1e-6 * Math.abs(a.ref.df(v)) + propagated) + 6e-8 * Math.abs(fromX[i]!);
        });
        expectNear(got, fromX, loose, `${label} vs f'(x)`, [x, dy]);
        // Central differences of the f64 forward reference.
        const fd = Float64Array.from(x, (v, i) =>
          a.smooth(v) ? base(i) + dy[i]! * centralDifference(a.ref.f, v, 1e-5 * Math.max(1, Math.abs(v))) : got[i]!,
        );
        expectNear(got, fd, loose, `${label} vs finite differences`, [x, dy]);
      });
    });
  }

  it("backward at saturated, zero and special outputs", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = Float32Array.from([-1e4, -90, -20, -0, 0, 20, 90, 1e4, Infinity, -Infinity]);
      const y = runForward(e, a, x);
      const dy = new Float32Array(x.length).fill(1.5);
      const dx = blank(e, x.length);
      a.backward(e.kernels, dx, put(e, dy), put(e, y), x.length, 0);
      const want = Float64Array.from(y, (v) => 1.5 * a.ref.dfFromY(v));
      expectNear(e.arena.read(dx, x.length), want, { atol: 1e-30, rtol: 5e-7 }, `${a.name}_backward saturated`, [x, y]);
    });
  });
});

describe("f32_exp and f32_log", () => {
  it.each(SIZES)("f32_exp at n=%i against f64 Math.exp, inputs up to ±90 and ±1e4", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      for (const [lo, hi] of [[-1, 1], [-20, 20], [-90, 90], [-1e4, 1e4], [-104, -87]] as const) {
        const x = randomArray(n, n + 17, lo, hi);
        const y = blank(e, n);
        e.kernels.f32_exp(y, put(e, x), n);
        expectNear(e.arena.read(y, n), Float64Array.from(x, Math.exp), { maxUlp: 1 }, `exp n=${n} x in [${lo}, ${hi}]`, [x]);
      }
    });
  });

  it.each(SIZES)("f32_log at n=%i against f64 Math.log, x from 1e-38 to 1e38 and subnormals", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      for (const [lo, hi] of [[-87, 87], [-0.1, 0.1], [-103, -88]] as const) {
        const x = Float32Array.from(randomArray(n, n + 29, lo, hi), Math.exp);
        const y = blank(e, n);
        e.kernels.f32_log(y, put(e, x), n);
        expectNear(e.arena.read(y, n), Float64Array.from(x, Math.log), { maxUlp: 1 }, `log n=${n} log x in [${lo}, ${hi}]`, [x]);
      }
    });
  });

  it("special values: exp overflows to +Inf and underflows to 0; log(0) = -Inf, log(<0) = NaN; NaN passes", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = Float32Array.from([0, -0, 88.72, 88.73, 89, 1e4, Infinity, -87.5, -103.9, -104, -1e4, -Infinity, NaN]);
      const y = blank(e, x.length);
      e.kernels.f32_exp(y, put(e, x), x.length);
      expectNear(e.arena.read(y, x.length), Float64Array.from(x, Math.exp), { maxUlp: 1 }, "exp specials", [x]);
      const u = Float32Array.from([0, -0, -1, -Infinity, Infinity, NaN, 1, 1.4e-45, 3.4e38, 1e-40]);
      const l = blank(e, u.length);
      e.kernels.f32_log(l, put(e, u), u.length);
      expectNear(e.arena.read(l, u.length), Float64Array.from(u, Math.log), { maxUlp: 1 }, "log specials", [u]);
      expect(e.arena.read(l, 2)[1], "log(-0)").toBe(-Infinity);
    });
  });
});
