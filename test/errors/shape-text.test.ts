import { describe as suite, expect, test } from "vitest";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { shapeText, shapeTuple, sizeOf } from "../../src/shape.js";

/** A .safetensors file of one tensor entry (no data bytes), its header as given. */
function safetensors(header: object): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  return bytes;
}

suite("shape text for messages", () => {
  test("a shape reads as a bracketed list, a name may stand for a dimension", () => {
    expect(shapeText([28, 28, 1])).toBe("[28, 28, 1]");
    expect(shapeText([])).toBe("[]");
    expect(shapeText(["N", 784])).toBe("[N, 784]");
    expect(shapeTuple([2, 3])).toBe("(2, 3)");
    expect(shapeTuple([3])).toBe("(3)");
  });

  test("past 8 dimensions only the first 8 and the count", () => {
    const dims = Array.from({ length: 12 }, (_, i) => i + 1);
    expect(shapeText(dims.slice(0, 8))).toBe("[1, 2, 3, 4, 5, 6, 7, 8]");
    expect(shapeText(dims)).toBe("[1, 2, 3, 4, 5, 6, 7, 8, … 12 dimensions]");
    expect(shapeTuple(dims)).toBe("(1, 2, 3, 4, 5, 6, 7, 8, … 12 dimensions)");
  });

  test("sizes are products, 1 for a scalar", () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([3, 0, 5])).toBe(0);
    expect(sizeOf([60000, 28, 28, 1])).toBe(47_040_000);
  });

  test("a file declaring 5000 dimensions gets a message of a few lines, not 5000 numbers", () => {
    const shape = new Array(5000).fill(1);
    const bytes = safetensors({ w: { dtype: "F32", shape, data_offsets: [0, 8] } });
    let message = "";
    try {
      decodeSafetensors(bytes);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("shape [1, 1, 1, 1, 1, 1, 1, 1, … 5000 dimensions] of F32 needs 4 bytes");
    expect(message.length).toBeLessThan(300);
  });
});
