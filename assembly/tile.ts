// The register tile shared by the gemm (gemm.ts) and the convolutions
// (conv-*.ts): MR × NR accumulators and the epilogue that writes them. Not
// re-exported by index.ts. Both kernels must write C with the same operations
// in the same order, so it lives here once.

export const MR = 4;
export const NR = 8;

// What the convolutions' _fused kernels do to an element once it is final,
// after the bias: nothing (gemm always), relu pmax(v, 0), leaky relu
// v > 0 ? v : v·alpha, or the ReLU-backward mask (v where the mask element,
// at the element's address + maskDelta, is > 0, else +0). The operations of
// activations.ts's f32_relu, f32_leaky_relu and f32_relu_backward, so the bits
// of those passes.
export const EPI_NONE = 0;
export const EPI_RELU = 1;
export const EPI_LEAKY = 2;
export const EPI_MASK = 3;

/** One vector through the epilogue; `mask` holds the mask elements (read only for EPI_MASK). */
// @ts-ignore: decorator
@inline export function epilogueVector(v: v128, epilogue: i32, alpha: f32, mask: v128): v128 {
  if (epilogue == EPI_RELU) return f32x4.pmax(v, f32x4.splat(0));
  if (epilogue == EPI_LEAKY) return v128.bitselect(v, f32x4.mul(v, f32x4.splat(alpha)), f32x4.gt(v, f32x4.splat(0)));
  if (epilogue == EPI_MASK) return v128.and(v, f32x4.gt(mask, f32x4.splat(0)));
  return v;
}

/** The mask vector of the four elements at `at` (zero unless EPI_MASK). */
// @ts-ignore: decorator
@inline export function maskAt(at: usize, epilogue: i32): v128 {
  return epilogue == EPI_MASK ? v128.load(at) : f32x4.splat(0);
}

/**
 * The epilogue of a 4×8 tile: C = (C + acc) + bias on the valid rows × cols
 * (C = acc + bias when !loadC), then the EPI_* epilogue (gemm: none).
 */
// @ts-ignore: decorator
@inline export function storeTile(
  c0x0123: v128, c0x4567: v128, c1x0123: v128, c1x4567: v128, c2x0123: v128, c2x4567: v128, c3x0123: v128, c3x4567: v128,
  c0: usize, c1: usize, c2: usize, c3: usize, rows: i32, cols: i32, loadC: bool, bias: usize, tile: usize,
  epilogue: i32 = EPI_NONE, alpha: f32 = 0, maskDelta: usize = 0,
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
    if (epilogue != EPI_NONE) {
      c0x0123 = epilogueVector(c0x0123, epilogue, alpha, maskAt(c0 + maskDelta, epilogue));
      c0x4567 = epilogueVector(c0x4567, epilogue, alpha, maskAt(c0 + 16 + maskDelta, epilogue));
      c1x0123 = epilogueVector(c1x0123, epilogue, alpha, maskAt(c1 + maskDelta, epilogue));
      c1x4567 = epilogueVector(c1x4567, epilogue, alpha, maskAt(c1 + 16 + maskDelta, epilogue));
      c2x0123 = epilogueVector(c2x0123, epilogue, alpha, maskAt(c2 + maskDelta, epilogue));
      c2x4567 = epilogueVector(c2x4567, epilogue, alpha, maskAt(c2 + 16 + maskDelta, epilogue));
      c3x0123 = epilogueVector(c3x0123, epilogue, alpha, maskAt(c3 + maskDelta, epilogue));
      c3x4567 = epilogueVector(c3x4567, epilogue, alpha, maskAt(c3 + 16 + maskDelta, epilogue));
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
  if (epilogue == EPI_NONE) storeEdge(tile, c0, c1, c2, c3, rows, cols, loadC, bias);
  else storeEdgeThen(tile, c0, c1, c2, c3, rows, cols, loadC, bias, epilogue, alpha, maskDelta);
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

/** storeEdge, then the epilogue on each element (as a splat, the vector operations). */
function storeEdgeThen(
  tile: usize, c0: usize, c1: usize, c2: usize, c3: usize, rows: i32, cols: i32, loadC: bool, bias: usize,
  epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  storeEdge(tile, c0, c1, c2, c3, rows, cols, loadC, bias);
  for (let r = 0; r < rows; r++) {
    const cr = r == 0 ? c0 : r == 1 ? c1 : r == 2 ? c2 : c3;
    for (let j = 0; j < cols; j++) {
      const at = cr + (<usize>j << 2);
      const mask = epilogue == EPI_MASK ? f32x4.splat(load<f32>(at + maskDelta)) : f32x4.splat(0);
      store<f32>(at, f32x4.extract_lane(epilogueVector(f32x4.splat(load<f32>(at)), epilogue, alpha, mask), 0));
    }
  }
}
