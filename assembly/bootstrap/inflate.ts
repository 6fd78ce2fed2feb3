// Raw DEFLATE decoding (RFC 1951), beside the base64 decoder: the embedded
// core is stored deflated, which takes about 15 KB off the gzipped default
// bundle (base64 of the raw core gzips to about 59 KB, base64 of the
// deflated core to about 44 KB). Native decompression is no help here:
// DecompressionStream is asynchronous and costs more to set up than this
// takes to run, and zlib is Node's alone.
//
// Canonical Huffman decoding as in M. Adler's puff.c (zlib's contrib/),
// with a 10-bit lookup table in front: codes of up to 10 bits (nearly all
// of them) are decoded in one step; longer ones bit by bit.
//
// The host passes a workspace of WORK_BYTES; nothing here allocates.

const MAX_BITS = 15;
const FAST_BITS = 10;
const FAST_SIZE = 1 << FAST_BITS;

// Workspace layout (bytes from `work`): per table a fast table of
// FAST_SIZE u16 entries (symbol << 4 | length, 0 = longer than FAST_BITS),
// counts per length (16 u16) and the symbols in canonical order (320 u16);
// then the code lengths being read (320 u8); then, while a table is built,
// each length's next symbol slot and next canonical code (16 u16 each).
const TABLE_FAST = 0;
const TABLE_COUNT = FAST_SIZE * 2;
const TABLE_SYMBOL = TABLE_COUNT + 16 * 2;
const TABLE_BYTES = TABLE_SYMBOL + 320 * 2;
const LITERALS = 0;
const DISTANCES = TABLE_BYTES;
const LENGTHS = 2 * TABLE_BYTES;
const OFFSETS = LENGTHS + 320;
const NEXT_CODES = OFFSETS + 16 * 2;
/** Bytes of workspace `inflate` needs. */
export const WORK_BYTES: i32 = NEXT_CODES + 16 * 2;
/** The workspace of the current call. */
let workspace: usize = 0;

// Length codes 257..285 and distance codes 0..29: base values and extra bits (RFC 1951 §3.2.5).
const LENGTH_BASE: StaticArray<u16> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE: StaticArray<u16> = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DISTANCE_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which a dynamic block lists the code-length code's lengths. */
const LENGTH_ORDER: StaticArray<u8> = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// The bit reader: bits come least significant first; past the end of the
// input it reads zeros and counts them, so a truncated stream is caught.
let input: usize = 0;
let inputEnd: usize = 0;
let bitBuffer: u64 = 0;
let bitCount: u32 = 0;
let overrun: u32 = 0;

function refill(): void {
  while (bitCount <= 56) {
    let byte: u64 = 0;
    if (input < inputEnd) byte = <u64>load<u8>(input++);
    else overrun += 8;
    bitBuffer |= byte << bitCount;
    bitCount += 8;
  }
}

@inline function bits(n: u32): u32 {
  if (bitCount < n) refill();
  const value = <u32>(bitBuffer & ((<u64>1 << n) - 1));
  bitBuffer >>= n;
  bitCount -= n;
  return value;
}

/**
 * Builds a decoding table at `table` from `n` code lengths at `lengths`.
 * Returns false when the lengths over-subscribe the code (an incomplete
 * code is allowed, as RFC 1951 permits for one-symbol distance codes).
 */
function build(table: usize, lengths: usize, n: i32): bool {
  const count = table + TABLE_COUNT;
  const symbol = table + TABLE_SYMBOL;
  memory.fill(count, 0, 16 * 2);
  for (let s = 0; s < n; s++) {
    const length = <usize>load<u8>(lengths + s);
    store<u16>(count + length * 2, load<u16>(count + length * 2) + 1);
  }
  let left: i32 = 1;
  for (let length = 1; length <= MAX_BITS; length++) {
    left = (left << 1) - <i32>load<u16>(count + length * 2);
    if (left < 0) return false;
  }
  // Each length's first symbol slot and first canonical code (RFC 1951 §3.2.2, where unused symbols count for nothing).
  const offsets = workspace + OFFSETS;
  const nextCodes = workspace + NEXT_CODES;
  store<u16>(count, 0);
  let slot: u32 = 0;
  let code: u32 = 0;
  for (let length = 1; length <= MAX_BITS; length++) {
    store<u16>(offsets + <usize>length * 2, <u16>slot);
    slot += <u32>load<u16>(count + <usize>length * 2);
    code = (code + <u32>load<u16>(count + <usize>(length - 1) * 2)) << 1;
    store<u16>(nextCodes + <usize>length * 2, <u16>code);
  }
  memory.fill(table + TABLE_FAST, 0, FAST_SIZE * 2);
  for (let s = 0; s < n; s++) {
    const length = <i32>load<u8>(lengths + s);
    if (length == 0) continue;
    const at = <usize>load<u16>(offsets + <usize>length * 2);
    store<u16>(offsets + <usize>length * 2, <u16>(at + 1));
    store<u16>(symbol + at * 2, <u16>s);
    const canonical = <u32>load<u16>(nextCodes + <usize>length * 2);
    store<u16>(nextCodes + <usize>length * 2, <u16>(canonical + 1));
    if (length > FAST_BITS) continue;
    // The stream holds the code most significant bit first: index by its reverse.
    let reversed: u32 = 0;
    for (let b = 0; b < length; b++) reversed |= ((canonical >> b) & 1) << (length - 1 - b);
    for (let i = reversed; i < <u32>FAST_SIZE; i += <u32>1 << length) {
      store<u16>(table + TABLE_FAST + <usize>i * 2, <u16>((s << 4) | length));
    }
  }
  return true;
}

/** The next symbol of the code at `table`, or -1 for a code it does not hold. */
function decodeSymbol(table: usize): i32 {
  if (bitCount < <u32>MAX_BITS) refill();
  const entry = <u32>load<u16>(table + TABLE_FAST + <usize>(bitBuffer & <u64>(FAST_SIZE - 1)) * 2);
  if (entry != 0) {
    const length = entry & 15;
    bitBuffer >>= length;
    bitCount -= length;
    return <i32>(entry >> 4);
  }
  // puff.c's canonical decoding, one bit at a time.
  let code: i32 = 0;
  let first: i32 = 0;
  let index: i32 = 0;
  for (let length = 1; length <= MAX_BITS; length++) {
    code |= <i32>bits(1);
    const count = <i32>load<u16>(table + TABLE_COUNT + <usize>length * 2);
    if (code - count < first) return <i32>load<u16>(table + TABLE_SYMBOL + <usize>(index + code - first) * 2);
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

/** Reads a dynamic block's two codes into the workspace; false when they are malformed. */
function readDynamicCodes(work: usize): bool {
  const literalCount = <i32>bits(5) + 257;
  const distanceCount = <i32>bits(5) + 1;
  const lengthCodeCount = <i32>bits(4) + 4;
  if (literalCount > 286 || distanceCount > 30) return false;
  const lengths = work + LENGTHS;
  memory.fill(lengths, 0, 19);
  for (let i = 0; i < lengthCodeCount; i++) store<u8>(lengths + <usize>unchecked(LENGTH_ORDER[i]), <u8>bits(3));
  if (!build(work + LITERALS, lengths, 19)) return false;
  const total = literalCount + distanceCount;
  let i = 0;
  while (i < total) {
    const symbol = decodeSymbol(work + LITERALS);
    if (symbol < 0) return false;
    if (symbol < 16) {
      store<u8>(lengths + <usize>(i++), <u8>symbol);
      continue;
    }
    let value: u8 = 0;
    let repeat: i32;
    if (symbol == 16) {
      if (i == 0) return false;
      value = load<u8>(lengths + <usize>i - 1);
      repeat = 3 + <i32>bits(2);
    } else if (symbol == 17) repeat = 3 + <i32>bits(3);
    else repeat = 11 + <i32>bits(7);
    if (i + repeat > total) return false;
    for (; repeat > 0; repeat--) store<u8>(lengths + <usize>(i++), value);
  }
  // The end-of-block code must exist.
  if (load<u8>(lengths + 256) == 0) return false;
  // Distances first: building the literal code overwrites the code-length code in place.
  return build(work + DISTANCES, lengths + <usize>literalCount, distanceCount) && build(work + LITERALS, lengths, literalCount);
}

/** The fixed codes of RFC 1951 §3.2.6. */
function buildFixedCodes(work: usize): void {
  const lengths = work + LENGTHS;
  for (let s = 0; s < 288; s++) store<u8>(lengths + <usize>s, s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8);
  build(work + LITERALS, lengths, 288);
  memory.fill(lengths, 5, 30);
  build(work + DISTANCES, lengths, 30);
}

/** Decodes one Huffman-coded block; returns the new output end, or 0 on an error. */
function inflateCodes(work: usize, start: usize, out: usize, outEnd: usize): usize {
  while (true) {
    const symbol = decodeSymbol(work + LITERALS);
    if (symbol < 256) {
      if (symbol < 0 || out >= outEnd) return 0;
      store<u8>(out++, <u8>symbol);
      continue;
    }
    if (symbol == 256) return out;
    const lengthCode = symbol - 257;
    if (lengthCode >= 29) return 0;
    const length = <usize>unchecked(LENGTH_BASE[lengthCode]) + bits(unchecked(LENGTH_EXTRA[lengthCode]));
    const distanceCode = decodeSymbol(work + DISTANCES);
    if (distanceCode < 0 || distanceCode >= 30) return 0;
    const distance = <usize>unchecked(DISTANCE_BASE[distanceCode]) + bits(unchecked(DISTANCE_EXTRA[distanceCode]));
    if (distance > out - start || length > outEnd - out) return 0;
    // Byte by byte: a copy may overlap what it writes (distance < length).
    for (let i: usize = 0; i < length; i++) store<u8>(out + i, load<u8>(out + i - distance));
    out += length;
  }
}

/**
 * Decodes the raw DEFLATE stream of `length` bytes at `source` into at most
 * `capacity` bytes at `target`, with WORK_BYTES of workspace at `work`.
 * Returns the number of bytes written, or -1 when the stream is malformed,
 * truncated or does not fit.
 */
export function inflate(source: usize, length: usize, target: usize, capacity: usize, work: usize): isize {
  workspace = work;
  input = source;
  inputEnd = source + length;
  bitBuffer = 0;
  bitCount = 0;
  overrun = 0;
  const outEnd = target + capacity;
  let out = target;
  let last: u32 = 0;
  while (last == 0) {
    last = bits(1);
    const type = bits(2);
    if (type == 0) {
      // Stored: drop to a byte boundary; LEN, then its complement NLEN.
      bits(bitCount & 7);
      const size = bits(16);
      if ((size ^ bits(16)) != 0xffff || <usize>size > outEnd - out) return -1;
      for (let i: u32 = 0; i < size; i++) store<u8>(out++, <u8>bits(8));
    } else if (type == 1) {
      buildFixedCodes(work);
      out = inflateCodes(work, target, out, outEnd);
    } else if (type == 2) {
      out = readDynamicCodes(work) ? inflateCodes(work, target, out, outEnd) : 0;
    } else return -1;
    // Reading up to 64 bits ahead may pass the end; using those zeros may not.
    if (out == 0 || overrun > bitCount) return -1;
  }
  return <isize>(out - target);
}
