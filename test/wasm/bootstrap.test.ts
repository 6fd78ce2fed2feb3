import { describe, expect, it } from "vitest";
import { UnsupportedRuntimeError } from "../../src/errors.js";
import { readFileSync } from "node:fs";
import { constants, deflateRawSync } from "node:zlib";
import { decodeBase64, inflateBase64 } from "../../src/wasm/bootstrap.js";
import { CORE_WASM_DEFLATED_BASE64, CORE_WASM_SIZE } from "../../src/wasm/core-wasm.generated.js";

// An independent encoder (RFC 4648 §4, padded), so the test does not lean on the host's base64.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function encode(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    text += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    text += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : "=";
    text += i + 2 < bytes.length ? ALPHABET[n & 63]! : "=";
  }
  return text;
}

describe("decodeBase64 (the bootstrap wasm that unpacks the embedded core)", () => {
  for (const length of [0, 1, 2, 3, 4, 5, 31, 32, 33, 256, 65537]) {
    it(`round-trips ${length} bytes (every byte value, both paddings)`, () => {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + (i >> 8)) & 255);
      expect(decodeBase64(encode(bytes))).toEqual(bytes);
    });
  }

  it("decodes the RFC 4648 test vectors", () => {
    const vectors: [string, string][] = [["", ""], ["Zg==", "f"], ["Zm8=", "fo"], ["Zm9v", "foo"], ["Zm9vYg==", "foob"], ["Zm9vYmE=", "fooba"], ["Zm9vYmFy", "foobar"]];
    for (const [text, plain] of vectors) expect(new TextDecoder().decode(decodeBase64(text))).toBe(plain);
  });

  it("classifies every character code alike in the vector step and in the scalar tail", () => {
    const text = "QUJD".repeat(8); // 32 characters: the first 16 go through the vector step
    for (let code = 0; code < 256; code++) {
      const value = ALPHABET.indexOf(String.fromCharCode(code));
      for (const at of [5, 21]) {
        const probe = text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
        if (value < 0) {
          expect(() => decodeBase64(probe), `code ${code} at ${at}`).toThrow(UnsupportedRuntimeError);
        } else {
          const bytes = decodeBase64(probe);
          const group = Math.floor(at / 4) * 3;
          const sextets = [...probe.slice(at - (at % 4), at - (at % 4) + 4)].map((c) => ALPHABET.indexOf(c));
          const bits = (sextets[0]! << 18) | (sextets[1]! << 12) | (sextets[2]! << 6) | sextets[3]!;
          expect([...bytes.subarray(group, group + 3)], `code ${code} at ${at}`).toEqual([bits >> 16, (bits >> 8) & 255, bits & 255]);
        }
      }
    }
  });

  it("refuses text that is not padded base64", () => {
    for (const bad of ["Zg=", "Zm9", "Zm9v!A==", "Z===", "Zm 9v", "Zm9vYmF-", "Zg==Zg=="]) {
      expect(() => decodeBase64(bad), bad).toThrow(UnsupportedRuntimeError);
    }
  });
});

describe("inflateBase64 (the bootstrap's raw DEFLATE decoder)", () => {
  // zlib (Node's, independent of ours) writes the streams: stored, fixed and dynamic blocks, every strategy.
  const sample = (length: number, seed: number): Uint8Array => {
    const bytes = new Uint8Array(length);
    let state = seed;
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      // Runs, repeats at many distances and noise, so every length and distance code turns up.
      bytes[i] = i % 97 < 40 ? (state >>> 24) & 255 : i % 7 === 0 ? bytes[i - 1 - (state % Math.min(i, 30000))] ?? 0 : (i >> 5) & 255;
    }
    return bytes;
  };
  const strategies = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];

  for (const length of [0, 1, 100, 5000, 70000]) {
    for (const level of [0, 1, 6, 9]) {
      it(`inflates ${length} bytes deflated at level ${level} with every strategy`, () => {
        const bytes = sample(length, length + level);
        for (const strategy of strategies) {
          const text = Buffer.from(deflateRawSync(bytes, { level, strategy })).toString("base64");
          expect(Buffer.compare(inflateBase64(text, length), bytes), `strategy ${strategy}`).toBe(0);
        }
      });
    }
  }

  it("inflates the embedded core to the bytes of build/core.wasm", () => {
    const core = new Uint8Array(readFileSync(new URL("../../build/core.wasm", import.meta.url)));
    expect(Buffer.compare(inflateBase64(CORE_WASM_DEFLATED_BASE64, CORE_WASM_SIZE), core)).toBe(0);
  });

  it("refuses truncated, damaged and oversized streams with a typed error, never reading or writing out of bounds", () => {
    const bytes = sample(20000, 7);
    const deflated = deflateRawSync(bytes, { level: 9 });
    const base64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    expect(() => inflateBase64(base64(deflated), bytes.length - 1)).toThrow(UnsupportedRuntimeError);
    expect(() => inflateBase64(base64(deflated), bytes.length + 1)).toThrow(UnsupportedRuntimeError);
    for (const cut of [0, 1, 2, 10, deflated.length >> 1, deflated.length - 1]) {
      expect(() => inflateBase64(base64(deflated.subarray(0, cut)), bytes.length), `cut at ${cut}`).toThrow(UnsupportedRuntimeError);
    }
    // Flipped bits: each either fails typed or yields exactly `size` bytes (a flip in a literal can decode validly).
    for (let at = 0; at < deflated.length; at += 37) {
      const damaged = Uint8Array.from(deflated);
      damaged[at] = damaged[at]! ^ (1 << (at % 8));
      try {
        expect(inflateBase64(base64(damaged), bytes.length).length).toBe(bytes.length);
      } catch (error) {
        expect(error, `flip at ${at}`).toBeInstanceOf(UnsupportedRuntimeError);
      }
    }
    // Block type 3 is reserved.
    expect(() => inflateBase64(base64(Uint8Array.of(0x07)), 1)).toThrow(UnsupportedRuntimeError);
  });
});
