// Peak-rate probes for f32x4.mul and f32x4.add on one thread, compiled at run
// time by bench/peak.ts with bench/peak/asconfig.json.
//
// Every probe takes its operands from memory and its count as an argument, and
// returns the sum of its accumulators, so neither Binaryen nor V8 can fold or
// drop the loop. Two things V8 11.3 (Node 20) does shaped them, both seen in
// its --print-wasm-code output:
// - it schedules f32x4.splat of an argument at its use, inside the loop, and
//   re-broadcasts it every iteration: so the operands are loaded from memory;
// - it unrolls these loops by two and shares loop-invariant values between the
//   copies: acc_j += x·y_j with x, y_j fixed ran its muls in one copy only
//   (24 ops done per 32 counted), so the mul + add probe is acc_j = acc_j·x + y,
//   whose mul depends on the accumulator.

/** The operand block: x, y, one, one f32x4 each. */
const X = 0;
const Y = 16;
const ONE = 32;
const OPERANDS = memory.data(48, 16);

/** The panels of the 4×8 tile: a [256][4], b [256][8], and the 4×8 output. */
const KC_MAX = 256;
const PANEL_A = memory.data(KC_MAX * 4 * 4, 16);
const PANEL_B = memory.data(KC_MAX * 8 * 4, 16);
const TILE_C = memory.data(4 * 8 * 4, 16);

export function operands_pointer(): usize {
  return OPERANDS;
}

export function panel_a_pointer(): usize {
  return PANEL_A;
}

export function panel_b_pointer(): usize {
  return PANEL_B;
}

function lanes(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * The inner loop of a 4×8 gemm tile as assembly/gemm.ts runs it: per depth two
 * f32x4 of b, four splats of a, 8 mul + 8 add into 8 accumulators; kc depths,
 * then the tile stored; all of it `repeats` times over the same L1-resident
 * panels. Returns one element of the tile.
 */
export function f32_tile_4x8(kc: i32, repeats: i32): f32 {
  for (let r = repeats; r > 0; r--) {
    let a = PANEL_A;
    let b = PANEL_B;
    let c0x0123 = f32x4.splat(0);
    let c0x4567 = f32x4.splat(0);
    let c1x0123 = f32x4.splat(0);
    let c1x4567 = f32x4.splat(0);
    let c2x0123 = f32x4.splat(0);
    let c2x4567 = f32x4.splat(0);
    let c3x0123 = f32x4.splat(0);
    let c3x4567 = f32x4.splat(0);
    for (let p = kc; p > 0; p--) {
      const b0123 = v128.load(b);
      const b4567 = v128.load(b, 16);
      let av = v128.load32_splat(a);
      c0x0123 = f32x4.add(c0x0123, f32x4.mul(av, b0123));
      c0x4567 = f32x4.add(c0x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(a, 4);
      c1x0123 = f32x4.add(c1x0123, f32x4.mul(av, b0123));
      c1x4567 = f32x4.add(c1x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(a, 8);
      c2x0123 = f32x4.add(c2x0123, f32x4.mul(av, b0123));
      c2x4567 = f32x4.add(c2x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(a, 12);
      c3x0123 = f32x4.add(c3x0123, f32x4.mul(av, b0123));
      c3x4567 = f32x4.add(c3x4567, f32x4.mul(av, b4567));
      a += 16;
      b += 32;
    }
    v128.store(TILE_C, c0x0123);
    v128.store(TILE_C, c0x4567, 16);
    v128.store(TILE_C, c1x0123, 32);
    v128.store(TILE_C, c1x4567, 48);
    v128.store(TILE_C, c2x0123, 64);
    v128.store(TILE_C, c2x4567, 80);
    v128.store(TILE_C, c3x0123, 96);
    v128.store(TILE_C, c3x4567, 112);
  }
  return load<f32>(TILE_C + 124);
}

// Register-only probes, one per accumulator count: each step updates every
// accumulator once; an f32x4 mul or add is 4 FLOPs.

// acc_j = acc_j·x + y: one mul and one add per accumulator and step.

export function f32x4_mul_add_8(operands: usize, iterations: i32): f32 {
  const x = v128.load(operands, X), y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(f32x4.mul(a0, x), y); a1 = f32x4.add(f32x4.mul(a1, x), y);
    a2 = f32x4.add(f32x4.mul(a2, x), y); a3 = f32x4.add(f32x4.mul(a3, x), y);
    a4 = f32x4.add(f32x4.mul(a4, x), y); a5 = f32x4.add(f32x4.mul(a5, x), y);
    a6 = f32x4.add(f32x4.mul(a6, x), y); a7 = f32x4.add(f32x4.mul(a7, x), y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))));
}

export function f32x4_mul_add_12(operands: usize, iterations: i32): f32 {
  const x = v128.load(operands, X), y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(f32x4.mul(a0, x), y); a1 = f32x4.add(f32x4.mul(a1, x), y);
    a2 = f32x4.add(f32x4.mul(a2, x), y); a3 = f32x4.add(f32x4.mul(a3, x), y);
    a4 = f32x4.add(f32x4.mul(a4, x), y); a5 = f32x4.add(f32x4.mul(a5, x), y);
    a6 = f32x4.add(f32x4.mul(a6, x), y); a7 = f32x4.add(f32x4.mul(a7, x), y);
    a8 = f32x4.add(f32x4.mul(a8, x), y); a9 = f32x4.add(f32x4.mul(a9, x), y);
    a10 = f32x4.add(f32x4.mul(a10, x), y); a11 = f32x4.add(f32x4.mul(a11, x), y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}

export function f32x4_mul_add_16(operands: usize, iterations: i32): f32 {
  const x = v128.load(operands, X), y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12),
    a12 = f32x4.splat(13), a13 = f32x4.splat(14), a14 = f32x4.splat(15), a15 = f32x4.splat(16);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(f32x4.mul(a0, x), y); a1 = f32x4.add(f32x4.mul(a1, x), y);
    a2 = f32x4.add(f32x4.mul(a2, x), y); a3 = f32x4.add(f32x4.mul(a3, x), y);
    a4 = f32x4.add(f32x4.mul(a4, x), y); a5 = f32x4.add(f32x4.mul(a5, x), y);
    a6 = f32x4.add(f32x4.mul(a6, x), y); a7 = f32x4.add(f32x4.mul(a7, x), y);
    a8 = f32x4.add(f32x4.mul(a8, x), y); a9 = f32x4.add(f32x4.mul(a9, x), y);
    a10 = f32x4.add(f32x4.mul(a10, x), y); a11 = f32x4.add(f32x4.mul(a11, x), y);
    a12 = f32x4.add(f32x4.mul(a12, x), y); a13 = f32x4.add(f32x4.mul(a13, x), y);
    a14 = f32x4.add(f32x4.mul(a14, x), y); a15 = f32x4.add(f32x4.mul(a15, x), y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)), f32x4.add(f32x4.add(a12, a13), f32x4.add(a14, a15)))));
}

export function f32x4_mul_add_24(operands: usize, iterations: i32): f32 {
  const x = v128.load(operands, X), y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12),
    a12 = f32x4.splat(13), a13 = f32x4.splat(14), a14 = f32x4.splat(15), a15 = f32x4.splat(16), a16 = f32x4.splat(17), a17 = f32x4.splat(18),
    a18 = f32x4.splat(19), a19 = f32x4.splat(20), a20 = f32x4.splat(21), a21 = f32x4.splat(22), a22 = f32x4.splat(23), a23 = f32x4.splat(24);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(f32x4.mul(a0, x), y); a1 = f32x4.add(f32x4.mul(a1, x), y);
    a2 = f32x4.add(f32x4.mul(a2, x), y); a3 = f32x4.add(f32x4.mul(a3, x), y);
    a4 = f32x4.add(f32x4.mul(a4, x), y); a5 = f32x4.add(f32x4.mul(a5, x), y);
    a6 = f32x4.add(f32x4.mul(a6, x), y); a7 = f32x4.add(f32x4.mul(a7, x), y);
    a8 = f32x4.add(f32x4.mul(a8, x), y); a9 = f32x4.add(f32x4.mul(a9, x), y);
    a10 = f32x4.add(f32x4.mul(a10, x), y); a11 = f32x4.add(f32x4.mul(a11, x), y);
    a12 = f32x4.add(f32x4.mul(a12, x), y); a13 = f32x4.add(f32x4.mul(a13, x), y);
    a14 = f32x4.add(f32x4.mul(a14, x), y); a15 = f32x4.add(f32x4.mul(a15, x), y);
    a16 = f32x4.add(f32x4.mul(a16, x), y); a17 = f32x4.add(f32x4.mul(a17, x), y);
    a18 = f32x4.add(f32x4.mul(a18, x), y); a19 = f32x4.add(f32x4.mul(a19, x), y);
    a20 = f32x4.add(f32x4.mul(a20, x), y); a21 = f32x4.add(f32x4.mul(a21, x), y);
    a22 = f32x4.add(f32x4.mul(a22, x), y); a23 = f32x4.add(f32x4.mul(a23, x), y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)), f32x4.add(f32x4.add(a12, a13), f32x4.add(a14, a15)))), f32x4.add(f32x4.add(f32x4.add(a16, a17), f32x4.add(a18, a19)), f32x4.add(f32x4.add(a20, a21), f32x4.add(a22, a23)))));
}

// acc_j += y.

export function f32x4_add_8(operands: usize, iterations: i32): f32 {
  const y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(a0, y); a1 = f32x4.add(a1, y); a2 = f32x4.add(a2, y); a3 = f32x4.add(a3, y);
    a4 = f32x4.add(a4, y); a5 = f32x4.add(a5, y); a6 = f32x4.add(a6, y); a7 = f32x4.add(a7, y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))));
}

export function f32x4_add_12(operands: usize, iterations: i32): f32 {
  const y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(a0, y); a1 = f32x4.add(a1, y); a2 = f32x4.add(a2, y); a3 = f32x4.add(a3, y);
    a4 = f32x4.add(a4, y); a5 = f32x4.add(a5, y); a6 = f32x4.add(a6, y); a7 = f32x4.add(a7, y);
    a8 = f32x4.add(a8, y); a9 = f32x4.add(a9, y); a10 = f32x4.add(a10, y); a11 = f32x4.add(a11, y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}

export function f32x4_add_16(operands: usize, iterations: i32): f32 {
  const y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12),
    a12 = f32x4.splat(13), a13 = f32x4.splat(14), a14 = f32x4.splat(15), a15 = f32x4.splat(16);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(a0, y); a1 = f32x4.add(a1, y); a2 = f32x4.add(a2, y); a3 = f32x4.add(a3, y);
    a4 = f32x4.add(a4, y); a5 = f32x4.add(a5, y); a6 = f32x4.add(a6, y); a7 = f32x4.add(a7, y);
    a8 = f32x4.add(a8, y); a9 = f32x4.add(a9, y); a10 = f32x4.add(a10, y); a11 = f32x4.add(a11, y);
    a12 = f32x4.add(a12, y); a13 = f32x4.add(a13, y); a14 = f32x4.add(a14, y); a15 = f32x4.add(a15, y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)), f32x4.add(f32x4.add(a12, a13), f32x4.add(a14, a15)))));
}

export function f32x4_add_24(operands: usize, iterations: i32): f32 {
  const y = v128.load(operands, Y);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12),
    a12 = f32x4.splat(13), a13 = f32x4.splat(14), a14 = f32x4.splat(15), a15 = f32x4.splat(16), a16 = f32x4.splat(17), a17 = f32x4.splat(18),
    a18 = f32x4.splat(19), a19 = f32x4.splat(20), a20 = f32x4.splat(21), a21 = f32x4.splat(22), a22 = f32x4.splat(23), a23 = f32x4.splat(24);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.add(a0, y); a1 = f32x4.add(a1, y); a2 = f32x4.add(a2, y); a3 = f32x4.add(a3, y);
    a4 = f32x4.add(a4, y); a5 = f32x4.add(a5, y); a6 = f32x4.add(a6, y); a7 = f32x4.add(a7, y);
    a8 = f32x4.add(a8, y); a9 = f32x4.add(a9, y); a10 = f32x4.add(a10, y); a11 = f32x4.add(a11, y);
    a12 = f32x4.add(a12, y); a13 = f32x4.add(a13, y); a14 = f32x4.add(a14, y); a15 = f32x4.add(a15, y);
    a16 = f32x4.add(a16, y); a17 = f32x4.add(a17, y); a18 = f32x4.add(a18, y); a19 = f32x4.add(a19, y);
    a20 = f32x4.add(a20, y); a21 = f32x4.add(a21, y); a22 = f32x4.add(a22, y); a23 = f32x4.add(a23, y);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)), f32x4.add(f32x4.add(a12, a13), f32x4.add(a14, a15)))), f32x4.add(f32x4.add(f32x4.add(a16, a17), f32x4.add(a18, a19)), f32x4.add(f32x4.add(a20, a21), f32x4.add(a22, a23)))));
}

// acc_j ·= 1 (1 from memory, so it cannot be folded; exact, so no denormals).

export function f32x4_mul_8(operands: usize, iterations: i32): f32 {
  const one = v128.load(operands, ONE);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.mul(a0, one); a1 = f32x4.mul(a1, one); a2 = f32x4.mul(a2, one); a3 = f32x4.mul(a3, one);
    a4 = f32x4.mul(a4, one); a5 = f32x4.mul(a5, one); a6 = f32x4.mul(a6, one); a7 = f32x4.mul(a7, one);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))));
}

export function f32x4_mul_12(operands: usize, iterations: i32): f32 {
  const one = v128.load(operands, ONE);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.mul(a0, one); a1 = f32x4.mul(a1, one); a2 = f32x4.mul(a2, one); a3 = f32x4.mul(a3, one);
    a4 = f32x4.mul(a4, one); a5 = f32x4.mul(a5, one); a6 = f32x4.mul(a6, one); a7 = f32x4.mul(a7, one);
    a8 = f32x4.mul(a8, one); a9 = f32x4.mul(a9, one); a10 = f32x4.mul(a10, one); a11 = f32x4.mul(a11, one);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}

export function f32x4_mul_16(operands: usize, iterations: i32): f32 {
  const one = v128.load(operands, ONE);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12),
    a12 = f32x4.splat(13), a13 = f32x4.splat(14), a14 = f32x4.splat(15), a15 = f32x4.splat(16);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.mul(a0, one); a1 = f32x4.mul(a1, one); a2 = f32x4.mul(a2, one); a3 = f32x4.mul(a3, one);
    a4 = f32x4.mul(a4, one); a5 = f32x4.mul(a5, one); a6 = f32x4.mul(a6, one); a7 = f32x4.mul(a7, one);
    a8 = f32x4.mul(a8, one); a9 = f32x4.mul(a9, one); a10 = f32x4.mul(a10, one); a11 = f32x4.mul(a11, one);
    a12 = f32x4.mul(a12, one); a13 = f32x4.mul(a13, one); a14 = f32x4.mul(a14, one); a15 = f32x4.mul(a15, one);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)), f32x4.add(f32x4.add(a12, a13), f32x4.add(a14, a15)))));
}

export function f32x4_mul_24(operands: usize, iterations: i32): f32 {
  const one = v128.load(operands, ONE);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5), a5 = f32x4.splat(6),
    a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12),
    a12 = f32x4.splat(13), a13 = f32x4.splat(14), a14 = f32x4.splat(15), a15 = f32x4.splat(16), a16 = f32x4.splat(17), a17 = f32x4.splat(18),
    a18 = f32x4.splat(19), a19 = f32x4.splat(20), a20 = f32x4.splat(21), a21 = f32x4.splat(22), a22 = f32x4.splat(23), a23 = f32x4.splat(24);
  for (let i = iterations; i > 0; i--) {
    a0 = f32x4.mul(a0, one); a1 = f32x4.mul(a1, one); a2 = f32x4.mul(a2, one); a3 = f32x4.mul(a3, one);
    a4 = f32x4.mul(a4, one); a5 = f32x4.mul(a5, one); a6 = f32x4.mul(a6, one); a7 = f32x4.mul(a7, one);
    a8 = f32x4.mul(a8, one); a9 = f32x4.mul(a9, one); a10 = f32x4.mul(a10, one); a11 = f32x4.mul(a11, one);
    a12 = f32x4.mul(a12, one); a13 = f32x4.mul(a13, one); a14 = f32x4.mul(a14, one); a15 = f32x4.mul(a15, one);
    a16 = f32x4.mul(a16, one); a17 = f32x4.mul(a17, one); a18 = f32x4.mul(a18, one); a19 = f32x4.mul(a19, one);
    a20 = f32x4.mul(a20, one); a21 = f32x4.mul(a21, one); a22 = f32x4.mul(a22, one); a23 = f32x4.mul(a23, one);
  }
  return lanes(f32x4.add(f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)), f32x4.add(f32x4.add(a12, a13), f32x4.add(a14, a15)))), f32x4.add(f32x4.add(f32x4.add(a16, a17), f32x4.add(a18, a19)), f32x4.add(f32x4.add(a20, a21), f32x4.add(a22, a23)))));
}

