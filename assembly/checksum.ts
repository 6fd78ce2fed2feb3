// CRC-32 (IEEE 802.3, zlib, PNG: reflected polynomial 0xEDB88320, initial
// value and final XOR 0xFFFFFFFF), eight bytes a step by the slice-by-8
// tables (Kounavis and Berry, "A Systematic Approach to Building High
// Performance Software-based CRC Generators", 2005).

const TABLES = memory.data(8 * 256 * 4);
let tablesReady = false;

function fillTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLES + (n << 2), c);
  }
  for (let t: u32 = 1; t < 8; t++) {
    for (let n: u32 = 0; n < 256; n++) {
      const previous = load<u32>(TABLES + (((t - 1) * 256 + n) << 2));
      store<u32>(TABLES + ((t * 256 + n) << 2), (previous >>> 8) ^ load<u32>(TABLES + ((previous & 255) << 2)));
    }
  }
  tablesReady = true;
}

@inline function entry(table: u32, index: u32): u32 {
  return load<u32>(TABLES + ((table * 256 + index) << 2));
}

/**
 * The CRC-32 of `length` bytes at `src` continuing from the CRC `previous` of
 * the bytes before them (0 to start), as zlib's crc32(): "123456789" →
 * 0xCBF43926, in one call or in pieces.
 */
export function u8_crc32(src: usize, length: usize, previous: u32): u32 {
  if (!tablesReady) fillTables();
  let c: u32 = ~previous;
  let i: usize = 0;
  const whole = length & ~(<usize>7);
  for (; i < whole; i += 8) {
    const low = c ^ load<u32>(src + i);
    const high = load<u32>(src + i + 4);
    c =
      entry(7, low & 255) ^ entry(6, (low >>> 8) & 255) ^ entry(5, (low >>> 16) & 255) ^ entry(4, low >>> 24) ^
      entry(3, high & 255) ^ entry(2, (high >>> 8) & 255) ^ entry(1, (high >>> 16) & 255) ^ entry(0, high >>> 24);
  }
  for (; i < length; i++) c = entry(0, (c ^ <u32>load<u8>(src + i)) & 255) ^ (c >>> 8);
  return c ^ 0xffffffff;
}
