// A module of its own, compiled apart from the core: it turns the base64 text
// of the embedded core back into bytes. In JavaScript that loop runs cold,
// interpreted, once per process (about 4 ms for the core's 160k characters).
// Here it runs once, as baseline-compiled wasm, so it takes sixteen
// characters a step with no branches on the data; the text gets in through
// TextEncoder.encodeInto.
//
// The vector step follows W. Muła and D. Lemire, "Faster Base64 Encoding and
// Decoding Using AVX2 Instructions", ACM TWEB 12(3), 2018: nibble tables
// classify and translate each character, shifts pack the sextets.

/** The value of one base64 digit (RFC 4648 §4), or -1 outside the alphabet. */
function sextet(c: u32): i32 {
  if (c - 65 < 26) return <i32>c - 65; // A–Z (unsigned: codes below 65 wrap around)
  if (c - 97 < 26) return <i32>c - 71; // a–z
  if (c - 48 < 10) return <i32>c + 4; // 0–9
  if (c == 43) return 62; // +
  if (c == 47) return 63; // /
  return -1;
}

const PAD: u32 = 61; // =

// Invalid characters by nibble: bit k of INVALID_BY_LOW[low nibble] is set
// when that low nibble is invalid in the rows of high nibbles carrying bit k
// in CLASS_BY_HIGH: 0x10 the rows with no digit (0, 1, 8–F), 0x01 row 2
// (only + and /), 0x02 row 3 (0–9), 0x04 rows 4 and 6 (not @ or `), 0x08
// rows 5 and 7 (up to Z or z).
const INVALID_BY_LOW = i8x16(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
const CLASS_BY_HIGH = i8x16(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
// What to add to a valid character to get its value, by high nibble, with
// '/' moved to row 1 (it shares row 2 with '+').
const OFFSET_BY_ROW = i8x16(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);

/**
 * Decodes `length` characters of padded base64 at `source` into bytes at
 * `target`, which must not overlap the source and must have 16 bytes of room
 * past the decoded length (the vector step stores whole vectors). Returns the
 * number of bytes, or -1 when the length is not a multiple of 4 or a
 * character is outside the alphabet.
 */
export function decode(source: usize, length: usize, target: usize): isize {
  if (length & 3) return -1;
  if (length == 0) return 0;
  const lowNibble = i8x16.splat(0x0f);
  const slash = i8x16.splat(0x2f);
  let invalid = i8x16.splat(0);
  let p = source;
  let out = target;
  // Vectors while at least one whole group follows them (the last group may hold padding).
  const vectorEnd = source + length - 4;
  for (; p + 16 <= vectorEnd; p += 16) {
    const chars = v128.load(p);
    const high = i8x16.shr_u(chars, 4);
    const low = v128.and(chars, lowNibble);
    invalid = v128.or(invalid, v128.and(i8x16.swizzle(INVALID_BY_LOW, low), i8x16.swizzle(CLASS_BY_HIGH, high)));
    const row = i8x16.add(high, i8x16.eq(chars, slash)); // eq gives -1 for '/'
    const sextets = i8x16.add(chars, i8x16.swizzle(OFFSET_BY_ROW, row));
    // Bytes a, b of each 16-bit lane → a·64 + b; pairs of those → 24 bits per 32-bit lane.
    const pairs = v128.or(i16x8.shl(v128.and(sextets, i16x8.splat(0xff)), 6), i16x8.shr_u(sextets, 8));
    const triples = v128.or(i32x4.shl(v128.and(pairs, i32x4.splat(0xffff)), 12), i32x4.shr_u(pairs, 16));
    v128.store(out, i8x16.shuffle(triples, triples, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 3, 7, 11, 15));
    out += 12;
  }
  let bad = v128.any_true(invalid) ? -1 : 0;
  for (; p < source + length; p += 4) {
    const c2 = <u32>load<u8>(p + 2);
    const c3 = <u32>load<u8>(p + 3);
    const last = p + 4 == source + length;
    const padding = last && c3 == PAD ? (c2 == PAD ? 2 : 1) : 0;
    const a = sextet(<u32>load<u8>(p));
    const b = sextet(<u32>load<u8>(p + 1));
    const c = padding == 2 ? 0 : sextet(c2);
    const d = padding >= 1 ? 0 : sextet(c3);
    bad |= a | b | c | d;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    store<u8>(out, <u8>(bits >>> 16));
    if (padding < 2) store<u8>(out + 1, <u8>(bits >>> 8));
    if (padding < 1) store<u8>(out + 2, <u8>bits);
    out += 3 - padding;
  }
  return bad < 0 ? -1 : <isize>(out - target);
}
