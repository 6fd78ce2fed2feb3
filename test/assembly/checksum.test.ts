import { beforeAll, describe, expect, it } from "vitest";
import { crc32 } from "../../src/io/crc32.js";
import { coreCrc32 } from "../../src/models/checksum.js";
import { engine, rng } from "../helpers.js";

/** CRC-32 one bit at a time, straight from the definition (no tables). */
function bitwiseCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const randomBytes = (n: number, seed: number): Uint8Array => {
  const next = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
};

describe("u8_crc32 (slice-by-8)", () => {
  beforeAll(async () => {
    await engine();
  });

  it('gives the check value 0xCBF43926 for "123456789"', () => {
    expect(coreCrc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  for (const n of [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027, 65536, 65537, 200003]) {
    it(`matches the bitwise definition over ${n} bytes`, () => {
      const bytes = randomBytes(n, n + 1);
      expect(coreCrc32(bytes)).toBe(bitwiseCrc32(bytes));
    });
  }

  it("agrees with the JavaScript crc32 at every misalignment of the input", () => {
    const bytes = randomBytes(300, 9);
    for (let start = 0; start < 9; start++) {
      const piece = bytes.subarray(start, start + 100 + start);
      expect(coreCrc32(piece), `offset ${start}`).toBe(crc32(piece));
    }
  });

  it("continues from a previous CRC, as zlib's crc32(crc, buf, len)", async () => {
    const { kernels, arena } = await engine();
    const bytes = randomBytes(1000, 3);
    const whole = bitwiseCrc32(bytes);
    const pieces = arena.scoped(() => {
      const ptr = arena.scratch(bytes.length);
      arena.u8.set(bytes, ptr);
      const first = kernels.u8_crc32(ptr, 333, 0);
      return kernels.u8_crc32(ptr + 333, bytes.length - 333, first) >>> 0;
    });
    expect(pieces).toBe(whole);
  });
});
