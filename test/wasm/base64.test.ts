import { describe, expect, it } from "vitest";
import { UnsupportedRuntimeError } from "../../src/errors.js";
import { decodeBase64 } from "../../src/wasm/module.js";

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

  it("refuses text that is not padded base64", () => {
    for (const bad of ["Zg=", "Zm9", "Zm9v!A==", "Z===", "Zm 9v", "Zm9vYmF-", "Zg==Zg=="]) {
      expect(() => decodeBase64(bad), bad).toThrow(UnsupportedRuntimeError);
    }
  });
});
