import { describe, expect, it } from "vitest";
import { UnsupportedRuntimeError } from "../../src/errors.js";
import { decodeBase64 } from "../../src/wasm/base64.js";

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
