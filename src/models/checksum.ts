// The model file's CRC-32 computed by the wasm core: the JavaScript one in
// src/io/crc32.ts runs cold, byte by byte, once per load (about 2 ms for a
// 13 KB model), while the kernel takes eight bytes a step in compiled code.
import { getEngine } from "../wasm/module.js";

/** Bytes copied into scratch per kernel call, so a large file does not grow the scratch region. */
const PIECE_BYTES = 1 << 16;

/** The CRC-32 (IEEE) of `bytes`; the engine must be loaded. */
export function coreCrc32(bytes: Uint8Array): number {
  const { kernels, arena } = getEngine();
  return arena.scoped(() => {
    const ptr = arena.scratch(Math.min(bytes.length, PIECE_BYTES));
    let crc = 0;
    for (let start = 0; start < bytes.length; start += PIECE_BYTES) {
      const piece = bytes.subarray(start, start + PIECE_BYTES);
      arena.u8.set(piece, ptr);
      crc = kernels.u8_crc32(ptr, piece.length, crc);
    }
    return crc >>> 0;
  });
}
