// A module of its own, compiled apart from the core: it turns the base64 text
// of the embedded core back into bytes. In JavaScript that loop runs cold,
// interpreted, once per process (about 4 ms for the core's 150k characters);
// here it is compiled code, and the text gets in through TextEncoder.encodeInto.

/** The value of one base64 digit (RFC 4648 §4), or -1 outside the alphabet. */
@inline function sextet(c: u32): i32 {
  if (c - 65 < 26) return <i32>c - 65; // A–Z (unsigned: below 65 wraps around)
  if (c - 97 < 26) return <i32>c - 71; // a–z
  if (c - 48 < 10) return <i32>c + 4; // 0–9
  if (c == 43) return 62; // +
  if (c == 47) return 63; // /
  return -1;
}

const PAD: u32 = 61; // =

/**
 * Decodes `length` characters of padded base64 at `source` into bytes at
 * `target` (which may follow `source` directly: it is written behind the
 * read position). Returns the number of bytes, or -1 when the length is not
 * a multiple of 4 or a character is outside the alphabet.
 */
export function decode(source: usize, length: usize, target: usize): isize {
  if (length & 3) return -1;
  let padding = 0;
  if (length > 0 && load<u8>(source + length - 1) == PAD) padding = load<u8>(source + length - 2) == PAD ? 2 : 1;
  let invalid = 0;
  let out = target;
  for (let i: usize = 0; i < length; i += 4) {
    const last = i + 4 == length;
    const c2 = <u32>load<u8>(source + i + 2);
    const c3 = <u32>load<u8>(source + i + 3);
    const s0 = sextet(<u32>load<u8>(source + i));
    const s1 = sextet(<u32>load<u8>(source + i + 1));
    const s2 = last && padding == 2 ? 0 : sextet(c2);
    const s3 = last && padding >= 1 ? 0 : sextet(c3);
    invalid |= s0 | s1 | s2 | s3;
    const bits = (s0 << 18) | (s1 << 12) | (s2 << 6) | s3;
    store<u8>(out, <u8>(bits >> 16));
    store<u8>(out + 1, <u8>(bits >> 8));
    store<u8>(out + 2, <u8>bits);
    out += 3;
  }
  return invalid < 0 ? -1 : <isize>(out - target) - padding;
}
