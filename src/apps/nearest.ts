// The k nearest reference rows of each query row by Euclidean distance, for
// KNeighborsClassifier and the anomaly ensemble's neighbour scores. Squared
// distances are ‖q‖² + ‖r‖² − 2·q·r in f32 (the wasm core's gemm, clipped at
// 0 by f32_sq_distances); u32_row_smallest_k picks the k smallest of a row,
// ties to the lower index. Queries go in blocks of at most blockBytes of
// distances, so memory stays bounded for any number of them.
import type { Engine } from "../wasm/module.js";

/** Reference rows in wasm memory: `rows` × `cols` f32 at `ptr`, their squared norms at `norms`. */
export interface ReferenceRows {
  ptr: number;
  norms: number;
  rows: number;
  cols: number;
}

/** One block of queries, valid during the visit only (views of wasm memory). */
export interface NearestBlock {
  /** Index of the block's first query row. */
  start: number;
  rows: number;
  /** Row i's t-th nearest reference row at [i·k + t], nearest first. */
  found: Uint32Array;
  /** Squared distance of query row i to reference row j at [i·reference.rows + j]. */
  squared: Float32Array;
}

/**
 * Visits the blocks of query (rows × reference.cols, row-major) with each
 * row's k nearest reference rows; checkBlock (if given) sees each block of
 * queries in wasm memory first.
 */
export function nearestBlocks(
  engine: Engine,
  reference: ReferenceRows,
  query: Float32Array,
  k: number,
  blockBytes: number,
  visit: (block: NearestBlock) => void,
  checkBlock?: (ptr: number, rows: number) => void,
): void {
  const { kernels: kn, arena } = engine;
  const { rows: r, cols } = reference;
  const n = query.length / cols;
  if (n === 0) return;
  const block = Math.min(n, Math.max(1, Math.floor(blockBytes / (4 * r))));
  arena.scoped(() => {
    const q = arena.scratch(block * cols * 4);
    const qNorms = arena.scratch(block * 4);
    const d = arena.scratch(block * r * 4);
    const idx = arena.scratch(block * k * 4);
    const work = arena.scratch(kn.gemm_workspace_bytes(block, r, cols));
    for (let start = 0; start < n; start += block) {
      const rows = Math.min(block, n - start);
      arena.write(q, query.subarray(start * cols, (start + rows) * cols));
      checkBlock?.(q, rows);
      kn.f32_row_sum_squares(qNorms, q, rows, cols);
      kn.f32_gemm_nt(d, q, reference.ptr, 0, rows, r, cols, 0, work);
      kn.f32_sq_distances(d, d, qNorms, reference.norms, rows, r);
      kn.u32_row_smallest_k(idx, d, rows, r, k);
      visit({ start, rows, found: arena.u32.subarray(idx >>> 2, (idx >>> 2) + rows * k), squared: arena.f32.subarray(d >>> 2, (d >>> 2) + rows * r) });
    }
  });
}
