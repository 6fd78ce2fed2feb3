// The vector math of assembly/math.ts, through the kernels that export it,
// over a dense sweep of f32 bit patterns against the host's f64 Math: the
// ULP bounds stated in assembly/math.ts must hold.
import { describe, expect, it } from "vitest";
import { engine } from "../helpers.js";
import { sigmoidReference, softplusReference, ulpError } from "../reference/activations.js";

/** Every `stride`-th f32 between lo and hi (same sign), by bit pattern. */
function sweep(lo: number, hi: number, stride: number): Float32Array {
  const bits = new Uint32Array(new Float32Array([lo, hi]).buffer);
  const [a, b] = bits[0]! <= bits[1]! ? [bits[0]!, bits[1]!] : [bits[1]!, bits[0]!];
  const out = new Uint32Array(Math.floor((b - a) / stride) + 1);
  for (let i = 0; i < out.length; i++) out[i] = a + i * stride;
  return new Float32Array(out.buffer);
}

interface Sweep {
  kernel: "f32_exp" | "f32_log" | "f32_sigmoid" | "f32_tanh" | "f32_softplus";
  ref: (x: number) => number;
  /** Ranges of one sign each, swept by bit pattern. */
  ranges: [number, number][];
  /** The bound stated in assembly/math.ts. */
  maxUlp: number;
}

const SWEEPS: Sweep[] = [
  { kernel: "f32_exp", ref: Math.exp, ranges: [[-104, -0], [0, 88.75]], maxUlp: 1 },
  { kernel: "f32_log", ref: Math.log, ranges: [[1.4e-45, 3.4e38]], maxUlp: 1 },
  { kernel: "f32_sigmoid", ref: sigmoidReference, ranges: [[-104, -0], [0, 20]], maxUlp: 3 },
  { kernel: "f32_tanh", ref: Math.tanh, ranges: [[-1e-38, -10], [1e-38, 10]], maxUlp: 3 },
  { kernel: "f32_softplus", ref: softplusReference, ranges: [[-104, -0], [0, 1e6]], maxUlp: 2 },
];

const STRIDE = 1021;

describe("vector math: dense sweep against f64 Math", () => {
  it.each(SWEEPS)(`$kernel within $maxUlp ULP (every ${STRIDE}th f32)`, async ({ kernel, ref, ranges, maxUlp }) => {
    const e = await engine();
    for (const [lo, hi] of ranges) {
      const x = sweep(lo, hi, STRIDE);
      e.arena.scoped(() => {
        const px = e.arena.scratch(4 * x.length);
        const py = e.arena.scratch(4 * x.length);
        e.arena.write(px, x);
        e.kernels[kernel](py, px, x.length);
        const y = e.arena.read(py, x.length);
        let worst = 0;
        let at = 0;
        for (let i = 0; i < x.length; i++) {
          const u = ulpError(y[i]!, ref(x[i]!));
          if (!(u <= worst)) {
            worst = u;
            at = i;
          }
        }
        expect(
          worst,
          `${kernel} on [${lo}, ${hi}] (${x.length} points): ${worst.toFixed(3)} ULP at x = ${x[at]}, expected ${ref(x[at]!)}, got ${y[at]}`,
        ).toBeLessThanOrEqual(maxUlp);
      });
    }
  });
});
