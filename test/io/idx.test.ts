import { describe, expect, it } from "vitest";
import { DataError, ShapeError } from "../../src/errors.js";
import { readIdx, writeIdx, type IdxDtype } from "../../src/io/idx.js";
import { randomArray } from "../helpers.js";

function refuses(bytes: Uint8Array, fragment: string): void {
  expect(() => readIdx(bytes)).toThrow(DataError);
  expect(() => readIdx(bytes)).toThrow(fragment);
}

describe("readIdx", () => {
  it("reads an MNIST-style image file laid out by hand: 00 00 08 03, big-endian sizes, bytes", () => {
    const bytes = Uint8Array.of(0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 253, 254, 255, 10, 20, 30, 40, 50, 60);
    const out = readIdx(bytes);
    expect(out.dtype).toBe("u8");
    expect(out.shape).toEqual([2, 2, 3]);
    expect(Array.from(out.data)).toEqual([0, 1, 2, 253, 254, 255, 10, 20, 30, 40, 50, 60]);
  });

  it("reads an MNIST-style label file of 60000 entries", () => {
    const bytes = new Uint8Array(8 + 60000);
    bytes.set([0, 0, 0x08, 1, 0, 0, 0xea, 0x60]);
    for (let i = 0; i < 60000; i++) bytes[8 + i] = i % 10;
    const out = readIdx(bytes);
    expect(out.shape).toEqual([60000]);
    expect(out.data[59999]).toBe(9);
  });

  it.each<[number, number[], IdxDtype, number[]]>([
    [0x09, [0xff, 0x80, 0x7f], "i8", [-1, -128, 127]],
    [0x0b, [0xff, 0xfe, 0x01, 0x00], "i16", [-2, 256]],
    [0x0c, [0x80, 0, 0, 0, 0, 0, 0x01, 0x02], "i32", [-(2 ** 31), 258]],
    [0x0d, [0x3f, 0xc0, 0, 0, 0xff, 0x80, 0, 0], "f32", [1.5, -Infinity]],
    [0x0e, [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], "f64", [Math.fround(Math.PI)]],
  ])("reads type code %i big-endian", (type, data, dtype, expected) => {
    const bytes = Uint8Array.of(0, 0, type, 1, 0, 0, 0, expected.length, ...data);
    const out = readIdx(bytes);
    expect(out.dtype).toBe(dtype);
    expect(Array.from(out.data)).toEqual(expected);
  });

  it.each<[IdxDtype, number[]]>([
    ["u8", [0, 1, 128, 255]],
    ["i8", [-128, -1, 0, 127]],
    ["i16", [-32768, -1, 300, 32767]],
    ["i32", [-(2 ** 31), -5, 2 ** 24, 2 ** 31 - 128]],
    ["f32", Array.from(randomArray(12, 4, -1e30, 1e30))],
    ["f64", [NaN, Infinity, -0, 0.1]],
  ])("round-trips %s through writeIdx", (dtype, values) => {
    const data = new Float32Array(values);
    const shape = values.length === 12 ? [2, 3, 2] : [values.length];
    const back = readIdx(writeIdx({ data, shape }, dtype));
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual(shape);
    expect(Array.from(new Uint32Array(back.data.buffer))).toEqual(Array.from(new Uint32Array(data.buffer)));
  });

  it("refuses every truncation with a DataError", () => {
    const file = writeIdx({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }, "i16");
    for (let n = 0; n < file.length; n++) expect(() => readIdx(file.subarray(0, n)), `prefix ${n}`).toThrow(DataError);
    refuses(file.subarray(0, 3), "truncated: expected at least 4 bytes (the magic), found 3");
    refuses(file.subarray(0, 9), "truncated: 2 dimensions need a 12-byte header, found 9 bytes");
    refuses(file.subarray(0, file.length - 1), "truncated: shape [2, 3] of i16 needs 12 bytes of data, found 11");
  });

  it.each<[string, Uint8Array, string]>([
    ["a gzip download", Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0), "gzip-compressed data (a .gz download?): decompress it first"],
    ["a PNG", Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d), "not an IDX file: expected magic 00 00 <type> <ndim>, found 89 50 4E 47"],
    ["a little-endian header", Uint8Array.of(1, 8, 0, 0), "not an IDX file"],
    ["an unknown type", Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0), "unknown IDX data type 0x0A: expected 0x08 (u8), 0x09 (i8), 0x0B (i16), 0x0C (i32), 0x0D (f32) or 0x0E (f64)"],
    ["zero dimensions", Uint8Array.of(0, 0, 8, 0, 5), "expected at least one dimension, found ndim 0"],
    ["bytes after the data", Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 1, 5, 6), "expected 1 bytes of data for shape [1] of u8, found 1 more"],
    ["an f64 beyond float32", Uint8Array.of(0, 0, 0x0e, 1, 0, 0, 0, 1, 0x7f, 0xe0, 0, 0, 0, 0, 0, 0), "element 0 is 8.98846567431158e+307, outside the float32 range"],
  ])("refuses %s", (_, bytes, fragment) => refuses(bytes, fragment));

  it("writeIdx refuses values its dtype cannot hold and mismatched shapes", () => {
    expect(() => writeIdx({ data: new Float32Array([256]), shape: [1] }, "u8")).toThrow("element 0 is 256, expected an integer in 0..255 for u8");
    expect(() => writeIdx({ data: new Float32Array([0.5]), shape: [1] }, "i32")).toThrow(DataError);
    expect(() => writeIdx({ data: new Float32Array(5), shape: [2, 3] })).toThrow(ShapeError);
    expect(() => writeIdx({ data: new Float32Array(0), shape: [] })).toThrow("expected 1 to 255 dimensions");
    expect(() => writeIdx({ data: new Float32Array(1), shape: [1] }, "u16" as IdxDtype)).toThrow('found "u16"');
  });
});
