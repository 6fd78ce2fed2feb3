// The register tile shared by the gemm (gemm.ts) and the convolutions
// (conv.ts): MR × NR accumulators and the epilogue that writes them. Not
// re-exported by index.ts. Both kernels must write C with the same operations
// in the same order, so it lives here once.

export const MR = 4;
export const NR = 8;

/** The epilogue of a 4×8 tile: C = (C + acc) + bias on the valid rows × cols (C = acc + bias when !loadC). */
// @ts-ignore: decorator
@inline export function storeTile(
  c0x0123: v128, c0x4567: v128, c1x0123: v128, c1x4567: v128, c2x0123: v128, c2x4567: v128, c3x0123: v128, c3x4567: v128,
  c0: usize, c1: usize, c2: usize, c3: usize, rows: i32, cols: i32, loadC: bool, bias: usize, tile: usize,
): void {
  if (rows == MR && cols == NR) {
    if (loadC) {
      c0x0123 = f32x4.add(v128.load(c0), c0x0123);
      c0x4567 = f32x4.add(v128.load(c0, 16), c0x4567);
      c1x0123 = f32x4.add(v128.load(c1), c1x0123);
      c1x4567 = f32x4.add(v128.load(c1, 16), c1x4567);
      c2x0123 = f32x4.add(v128.load(c2), c2x0123);
      c2x4567 = f32x4.add(v128.load(c2, 16), c2x4567);
      c3x0123 = f32x4.add(v128.load(c3), c3x0123);
      c3x4567 = f32x4.add(v128.load(c3, 16), c3x4567);
    }
    if (bias != 0) {
      const bias0123 = v128.load(bias);
      const bias4567 = v128.load(bias, 16);
      c0x0123 = f32x4.add(c0x0123, bias0123);
      c0x4567 = f32x4.add(c0x4567, bias4567);
      c1x0123 = f32x4.add(c1x0123, bias0123);
      c1x4567 = f32x4.add(c1x4567, bias4567);
      c2x0123 = f32x4.add(c2x0123, bias0123);
      c2x4567 = f32x4.add(c2x4567, bias4567);
      c3x0123 = f32x4.add(c3x0123, bias0123);
      c3x4567 = f32x4.add(c3x4567, bias4567);
    }
    v128.store(c0, c0x0123);
    v128.store(c0, c0x4567, 16);
    v128.store(c1, c1x0123);
    v128.store(c1, c1x4567, 16);
    v128.store(c2, c2x0123);
    v128.store(c2, c2x4567, 16);
    v128.store(c3, c3x0123);
    v128.store(c3, c3x4567, 16);
    return;
  }
  // Edge tile: park the accumulators, then the same scalar additions on the valid part.
  v128.store(tile, c0x0123);
  v128.store(tile, c0x4567, 16);
  v128.store(tile, c1x0123, 32);
  v128.store(tile, c1x4567, 48);
  v128.store(tile, c2x0123, 64);
  v128.store(tile, c2x4567, 80);
  v128.store(tile, c3x0123, 96);
  v128.store(tile, c3x4567, 112);
  storeEdge(tile, c0, c1, c2, c3, rows, cols, loadC, bias);
}

/** The valid rows × cols of an edge tile parked at `tile`, with the full tile's additions in the same order. */
function storeEdge(tile: usize, c0: usize, c1: usize, c2: usize, c3: usize, rows: i32, cols: i32, loadC: bool, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const t = tile + <usize>(r * NR * 4);
    const cr = r == 0 ? c0 : r == 1 ? c1 : r == 2 ? c2 : c3;
    for (let j = 0; j < cols; j++) {
      const off = <usize>j << 2;
      let v = load<f32>(t + off);
      if (loadC) v = load<f32>(cr + off) + v;
      if (bias != 0) v = v + load<f32>(bias + off);
      store<f32>(cr + off, v);
    }
  }
}
