import { describe, expect, it } from "vitest";
import { DataError, ModelFormatError, ShapeError } from "../../src/errors.js";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../../src/io/safetensors.js";
import { randomArray } from "../helpers.js";

const f32 = (...v: number[]) => new Float32Array(v);
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

/** A safetensors file from a raw header (object or exact text) and `dataBytes` bytes of data 0, 1, 2, … */
function raw(header: unknown, dataBytes: number): Uint8Array {
  const text = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataBytes);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  for (let i = 0; i < dataBytes; i++) out[8 + text.length + i] = i & 0xff;
  return out;
}

function refuses(bytes: Uint8Array, fragment: RegExp | string): void {
  expect(() => decodeSafetensors(bytes)).toThrow(ModelFormatError);
  expect(() => decodeSafetensors(bytes)).toThrow(fragment);
}

const entry = (shape: number[], begin: number, end: number, dtype = "F32") => ({ dtype, shape, data_offsets: [begin, end] });

describe("encodeSafetensors", () => {
  it("writes the exact layout: u64 length, JSON header padded with spaces to 8, little-endian data", () => {
    const bytes = encodeSafetensors([{ name: "a", shape: [2], data: f32(1, 2) }], { k: "v" });
    const header = `{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`;
    const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
    const expected = [padded.length, 0, 0, 0, 0, 0, 0, 0, ...Array.from(padded, (c) => c.charCodeAt(0)), 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it("pads so the data starts at a multiple of 8 and omits empty metadata", () => {
    for (let n = 1; n <= 9; n++) {
      const bytes = encodeSafetensors([{ name: "x".repeat(n), shape: [1], data: f32(n) }]);
      const headerLength = new DataView(bytes.buffer).getUint32(0, true);
      expect((8 + headerLength) % 8).toBe(0);
      expect(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))).not.toContain("__metadata__");
    }
  });

  it("is deterministic: equal inputs give equal bytes whatever the metadata key order", () => {
    const tensors: NamedTensor[] = [
      { name: "w", shape: [3, 4], data: randomArray(12, 1) },
      { name: "b", shape: [4], data: randomArray(4, 2) },
    ];
    const a = encodeSafetensors(tensors, { x: "1", y: "2" });
    const b = encodeSafetensors(tensors.map((t) => ({ ...t, data: t.data.slice() })), { y: "2", x: "1" });
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("refuses a shape that does not match the data, naming both", () => {
    expect(() => encodeSafetensors([{ name: "w", shape: [2, 3], data: new Float32Array(5) }])).toThrow(ShapeError);
    expect(() => encodeSafetensors([{ name: "w", shape: [2, 3], data: new Float32Array(5) }])).toThrow("shape [2, 3] holds 6 values, found 5");
    expect(() => encodeSafetensors([{ name: "w", shape: [-1], data: new Float32Array(1) }])).toThrow(ShapeError);
    expect(() => encodeSafetensors([{ name: "w", shape: [1.5], data: new Float32Array(1) }])).toThrow(ShapeError);
  });

  it("refuses duplicate or reserved names, non-f32 data and non-string metadata", () => {
    const t = { name: "w", shape: [1], data: f32(1) };
    expect(() => encodeSafetensors([t, t])).toThrow(ModelFormatError);
    expect(() => encodeSafetensors([t, t])).toThrow("unique");
    expect(() => encodeSafetensors([{ ...t, name: "__metadata__" }])).toThrow("reserved");
    expect(() => encodeSafetensors([{ ...t, data: new Float64Array(1) as unknown as Float32Array }])).toThrow(DataError);
    expect(() => encodeSafetensors([{ ...t, data: new Float64Array(1) as unknown as Float32Array }])).toThrow("found Float64Array");
    expect(() => encodeSafetensors([t], { n: 1 as unknown as string })).toThrow("expected a string");
  });
});

describe("decodeSafetensors", () => {
  it("round-trips names, shapes, metadata and exact bits (NaN, ±Infinity, -0, subnormals), in order", () => {
    const tensors: NamedTensor[] = [
      { name: "z", shape: [2, 3], data: randomArray(6, 7) },
      { name: "0", shape: [], data: f32(NaN) },
      { name: "empty", shape: [0, 3], data: new Float32Array(0) },
      { name: "__proto__", shape: [4], data: f32(Infinity, -Infinity, -0, 1e-45) },
      { name: "ünï cödé ✓", shape: [1, 1, 1], data: f32(3.5) },
    ];
    const { metadata, tensors: out } = decodeSafetensors(encodeSafetensors(tensors, { a: "1", "note ✓": "x\"y" }));
    expect(metadata).toEqual({ a: "1", "note ✓": "x\"y" });
    expect([...out.keys()]).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      expect(out.get(t.name)!.shape).toEqual(t.shape);
      expect(bits(out.get(t.name)!.data)).toEqual(bits(t.data));
    }
  });

  it("returns copies that share nothing with the input, even at an unaligned offset", () => {
    const file = encodeSafetensors([{ name: "w", shape: [3], data: f32(1, 2, 3) }]);
    const holder = new Uint8Array(file.length + 1);
    holder.set(file, 1);
    const bytes = holder.subarray(1);
    const w = decodeSafetensors(bytes).tensors.get("w")!;
    expect(w.data.buffer).not.toBe(holder.buffer);
    bytes.fill(0, bytes.length - 12);
    expect(Array.from(w.data)).toEqual([1, 2, 3]);
  });

  it("reads headers written by other tools: unpadded, with whitespace, no metadata", () => {
    const header = ` {"b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "a": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`;
    const bytes = raw(`${header.trimStart()}\n`, 8);
    new DataView(bytes.buffer).setFloat32(8 + header.length, 1.5, true);
    new DataView(bytes.buffer).setFloat32(12 + header.length, -2, true);
    const { metadata, tensors } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect([...tensors.keys()]).toEqual(["a", "b"]);
    expect(Array.from(tensors.get("a")!.data)).toEqual([1.5]);
    expect(Array.from(tensors.get("b")!.data)).toEqual([-2]);
  });

  it("refuses every truncation of a file", () => {
    const bytes = encodeSafetensors([{ name: "w", shape: [2, 2], data: f32(1, 2, 3, 4) }, { name: "b", shape: [2], data: f32(5, 6) }], { m: "x" });
    for (let n = 0; n < bytes.length; n++) expect(() => decodeSafetensors(bytes.subarray(0, n)), `prefix ${n}`).toThrow(ModelFormatError);
  });

  it.each<[string, Uint8Array, RegExp | string]>([
    ["fewer than 8 bytes", new Uint8Array(7), "expected at least 8 bytes"],
    ["a header longer than the file", raw({}, 0).map((b, i) => (i === 0 ? 200 : b)), "the header length is 200 bytes, found 2"],
    ["a header length above 2^32", raw({}, 0).map((b, i) => (i === 4 ? 1 : b)), "truncated"],
    ["an empty header", new Uint8Array(8), "found an empty header"],
    ["a header not starting with {", raw(" {}", 0), 'start with "{", found byte 0x20'],
    ["invalid UTF-8", raw('{"\xff":1}', 0).map((b) => (b === 0xc3 ? 0xff : b)), "not valid UTF-8"],
    ["invalid JSON", raw('{"a":', 0), "not valid JSON"],
    ["a header that is not an object", raw("[1]", 0), 'start with "{"'],
    ["non-string metadata", raw({ __metadata__: { a: 1 } }, 0), 'value "a" to be a string, found 1'],
    ["metadata that is not an object", raw({ __metadata__: "x" }, 0), 'an object of strings, found "x"'],
    ["an entry that is not an object", raw({ w: 3 }, 0), 'tensor "w" to be an object, found 3'],
    ["an F64 tensor", raw({ w: entry([1], 0, 8, "F64") }, 8), `dtype "F64" is not supported, expected F32`],
    ["an F16 tensor", raw({ w: entry([2], 0, 4, "F16") }, 4), `dtype "F16" is not supported`],
    ["a missing dtype", raw({ w: { shape: [1], data_offsets: [0, 4] } }, 4), "expected a string dtype, found undefined"],
    ["a negative dimension", raw({ w: entry([-1], 0, 4) }, 4), "non-negative integers, found [-1]"],
    ["a fractional dimension", raw({ w: entry([0.5], 0, 4) }, 4), "non-negative integers"],
    ["a missing shape", raw({ w: { dtype: "F32", data_offsets: [0, 4] } }, 4), "non-negative integers, found undefined"],
    ["one offset", raw({ w: { dtype: "F32", shape: [1], data_offsets: [0] } }, 4), "expected data_offsets [begin, end]"],
    ["begin after end", raw({ w: entry([1], 4, 0) }, 4), "0 <= begin <= end, found [4, 0]"],
    ["a span that does not match the shape", raw({ w: entry([2], 0, 4) }, 4), "shape [2] of F32 needs 8 bytes, found data_offsets [0, 4] spanning 4"],
    ["a huge shape", raw({ w: entry([2 ** 40, 2 ** 40], 0, 4) }, 4), "needs"],
    ["data past the end", raw({ w: entry([2], 0, 8) }, 4), 'truncated: tensor "w" ends at byte 8 of the data section, found 4'],
    ["overlapping tensors", raw({ a: entry([2], 0, 8), b: entry([1], 4, 8) }, 8), 'tensor "b" overlaps tensor "a"'],
    ["a gap", raw({ a: entry([1], 0, 4), b: entry([1], 8, 12) }, 12), 'a gap of 4 bytes before tensor "b"'],
    ["a gap at the start", raw({ a: entry([1], 4, 8) }, 8), "expected it to begin at byte 0, found 4"],
    ["bytes after the last tensor", raw({ a: entry([1], 0, 4) }, 6), "found 2 bytes after the last tensor"],
    ["data without tensors", raw({}, 4), "found 4 bytes after the last tensor"],
  ])("refuses %s", (_, bytes, fragment) => refuses(bytes, fragment));

  it("accepts an empty file with no tensors", () => {
    expect(decodeSafetensors(raw({}, 0)).tensors.size).toBe(0);
    expect(decodeSafetensors(encodeSafetensors([])).tensors.size).toBe(0);
  });
});
