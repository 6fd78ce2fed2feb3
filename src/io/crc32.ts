// CRC-32 as in IEEE 802.3, zlib and PNG: reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF. One 256-entry table, one byte a step.
// The table is built on first use, not at import: the library's own model
// files are checked by the wasm core (src/models/checksum.ts), so most
// programs never need it, and import time is start-up time.

let table: Uint32Array | null = null;

function crcTable(): Uint32Array {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  return table;
}

/** The CRC-32 of `bytes` as an unsigned 32-bit integer ("123456789" → 0xCBF43926). */
export function crc32(bytes: Uint8Array): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
