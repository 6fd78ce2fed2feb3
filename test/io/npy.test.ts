import { describe, expect, it } from "vitest";
import { DataError, ShapeError } from "../../src/errors.js";
import { readNpy, writeNpy } from "../../src/io/npy.js";
import { randomArray } from "../helpers.js";

const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

/** A .npy file built by hand from the format description: magic, version, length, header + spaces + "\n" to a multiple of 64, data. */
function npy(header: string, data: Uint8Array | number[], major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const padded = header + " ".repeat(63 - ((prefix + header.length) % 64)) + "\n";
  const out = new Uint8Array(prefix + padded.length + data.length);
  out.set([0x93, ...bytesOf("NUMPY"), major, 0]);
  if (major === 1) new DataView(out.buffer).setUint16(8, padded.length, true);
  else new DataView(out.buffer).setUint32(8, padded.length, true);
  out.set(bytesOf(padded), prefix);
  out.set(data, prefix + padded.length);
  return out;
}

const f32le = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const header = (descr: string, shape: string, fortran = "False") => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

function refuses(bytes: Uint8Array, fragment: string): void {
  expect(() => readNpy(bytes)).toThrow(DataError);
  expect(() => readNpy(bytes)).toThrow(fragment);
}

// Written by numpy 2.4.6 with np.save (the last with format.write_array(version=(3, 0))).
const NUMPY = {
  f8: "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028312c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a9a9999999999b93f0000000000000840",
  i8: "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200affffffffffffffff00000000000100000700000000000000",
  f2: "934e554d5059010076007b276465736372273a20273c6632272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0038fffb0200",
  b1: "934e554d5059010076007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0100",
  v3: "934e554d50590300740000007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000803f00000040",
};

const FORTRAN_I2 =
  "934e554d5059010076007b276465736372273a20273c6932272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c20332c2034292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200af9ff1d000500290011003500fcff200008002c0014003800ffff23000b002f0017003b00020026000e0032001a003e00";

describe("writeNpy", () => {
  it("writes np.arange(6, dtype=np.float32).reshape(2, 3) exactly as numpy does", () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const text = dict + " ".repeat(128 - 10 - dict.length - 1) + "\n";
    const expected = [0x93, ...bytesOf("NUMPY"), 1, 0, text.length, 0, ...bytesOf(text), ...f32le(0, 1, 2, 3, 4, 5)];
    const bytes = writeNpy({ data: new Float32Array([0, 1, 2, 3, 4, 5]), shape: [2, 3] });
    expect(Array.from(bytes)).toEqual(expected);
  });

  it.each([[[]], [[0]], [[7]], [[2, 3]], [[1, 1, 1, 1]], [[3, 0, 5]], [[123456789012, 0]], [Array(30).fill(1)]])(
    "round-trips shape %j with the data at a multiple of 64",
    (shape) => {
      const n = shape.reduce((a: number, b: number) => a * b, 1);
      const data = randomArray(n, n + 3);
      if (n > 0) data[0] = NaN;
      const bytes = writeNpy({ data, shape });
      const headerLength = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes[10 + headerLength - 1]).toBe(0x0a);
      const back = readNpy(bytes);
      expect(back.shape).toEqual(shape);
      expect(back.dtype).toBe("<f4");
      expect(bits(back.data)).toEqual(bits(data));
    },
  );

  it("is deterministic and refuses a shape that does not match the data", () => {
    const t = { data: randomArray(6, 1), shape: [3, 2] };
    expect(Array.from(writeNpy(t))).toEqual(Array.from(writeNpy({ data: t.data.slice(), shape: [3, 2] })));
    expect(() => writeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(ShapeError);
    expect(() => writeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow("shape [2, 3] holds 6 values, found 5");
    expect(() => writeNpy({ data: new Float32Array(1), shape: [-1] })).toThrow("non-negative integers");
  });
});

describe("readNpy", () => {
  it("reads files written by numpy: <f8, <i8, <f2, |b1 and version 3.0", () => {
    const f8 = readNpy(fromHex(NUMPY.f8));
    expect([f8.dtype, f8.shape, Array.from(f8.data)]).toEqual(["<f8", [1, 2], [Math.fround(0.1), 3]]);
    const i8 = readNpy(fromHex(NUMPY.i8));
    expect([i8.dtype, i8.shape, Array.from(i8.data)]).toEqual(["<i8", [3], [-1, 2 ** 40, 7]]);
    const f2 = readNpy(fromHex(NUMPY.f2));
    expect([f2.dtype, Array.from(f2.data)]).toEqual(["<f2", [0.5, -65504, Math.fround(2 ** -23)]]);
    const b1 = readNpy(fromHex(NUMPY.b1));
    expect([b1.dtype, Array.from(b1.data)]).toEqual(["|b1", [1, 0]]);
    const v3 = readNpy(fromHex(NUMPY.v3));
    expect([v3.dtype, v3.shape, Array.from(v3.data)]).toEqual(["<f4", [3], [0, 1, 2]]);
  });

  it.each<[string, number[], number[]]>([
    ["|u1", [0, 255, 7], [0, 255, 7]],
    ["<u1", [200], [200]],
    ["|i1", [0xff, 0x80, 5], [-1, -128, 5]],
    ["<i2", [0xff, 0xff, 0x00, 0x80], [-1, -32768]],
    ["<u2", [0xff, 0xff], [65535]],
    ["<i4", [0xfe, 0xff, 0xff, 0xff], [-2]],
    ["<u4", [0xff, 0xff, 0xff, 0xff], [4294967296]],
    ["<u8", [1, 0, 0, 0, 0, 0, 0, 0x80], [2 ** 63]],
  ])("converts %s to f32", (descr, data, expected) => {
    const out = readNpy(npy(header(descr, `(${expected.length},)`), data));
    expect(out.dtype).toBe(descr);
    expect(Array.from(out.data)).toEqual(expected);
  });

  it("reads version 2.0 headers and the header spellings numpy has used", () => {
    expect(Array.from(readNpy(npy(header("<f4", "(2,)"), f32le(1, 2), 2)).data)).toEqual([1, 2]);
    for (const text of [
      `{"shape": (2,), "fortran_order": False, "descr": "<f4"}`,
      `{'descr':'<f4','fortran_order':False,'shape':(2L,)}`,
      `{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , ) , }`,
    ]) {
      expect(Array.from(readNpy(npy(text, f32le(1, 2))).data), text).toEqual([1, 2]);
    }
  });

  it("reads fortran_order True arrays into C order", () => {
    expect(Array.from(readNpy(npy(header("<f4", "(1, 3, 1)", "True"), f32le(1, 2, 3))).data)).toEqual([1, 2, 3]);
    expect(Array.from(readNpy(npy(header("<f4", "(2, 3)", "True"), f32le(0, 3, 1, 4, 2, 5))).data)).toEqual([0, 1, 2, 3, 4, 5]);
    // Written by numpy 1.24.2: np.save of np.asfortranarray(np.arange(24, dtype="<i2").reshape(2, 3, 4) * 3 - 7);
    // in C order that is -7, -4, …, 62.
    const t = readNpy(fromHex(FORTRAN_I2));
    expect(t.shape).toEqual([2, 3, 4]);
    expect(Array.from(t.data)).toEqual(Array.from({ length: 24 }, (_, i) => 3 * i - 7));
    // Against the column-major index formula on a 4-d shape with a unit dimension.
    const shape = [3, 1, 4, 5];
    const c = Array.from({ length: 60 }, (_, i) => i * 0.5);
    const f = new Float32Array(60);
    for (let a = 0; a < 3; a++) for (let d = 0; d < 4; d++) for (let e = 0; e < 5; e++) f[a + 3 * (d + 4 * e)] = c[(a * 4 + d) * 5 + e]!;
    expect(Array.from(readNpy(npy(header("<f4", `(${shape.join(", ")})`, "True"), new Uint8Array(f.buffer))).data)).toEqual(c);
  });

  it("returns a copy, also from an unaligned offset", () => {
    const file = writeNpy({ data: new Float32Array([1, 2, 3]), shape: [3] });
    const holder = new Uint8Array(file.length + 1);
    holder.set(file, 1);
    const out = readNpy(holder.subarray(1));
    holder.fill(0);
    expect(Array.from(out.data)).toEqual([1, 2, 3]);
  });

  it("refuses every truncation with a DataError", () => {
    const file = writeNpy({ data: new Float32Array([1, 2, 3]), shape: [3] });
    for (let n = 0; n < file.length; n++) expect(() => readNpy(file.subarray(0, n)), `prefix ${n}`).toThrow(DataError);
    refuses(file.subarray(0, 5), "truncated: expected at least 10 bytes");
    refuses(file.subarray(0, 100), "truncated: the header needs 118 bytes, found 90");
    refuses(file.subarray(0, file.length - 1), "truncated: shape (3) of <f4 needs 12 bytes of data, found 11");
  });

  it.each<[string, Uint8Array, string]>([
    ["a PNG", Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0), 'not a .npy file: expected magic 93 4E 55 4D 50 59 ("\\x93NUMPY"), found 89 50 4E 47 0D 0A'],
    ["an .npz archive", Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0), "an .npz file?"],
    ["version 4.0", npy(header("<f4", "(0,)"), []).map((b, i) => (i === 6 ? 4 : b)), "unsupported .npy format version 4.0: expected 1.0, 2.0 or 3.0"],
    ["big-endian data", npy(header(">f4", "(1,)"), [0x3f, 0x80, 0, 0]), 'dtype >f4 is big-endian: only little-endian data is supported; save a.astype("<f4") instead'],
    ["complex numbers", npy(header("<c8", "(1,)"), new Uint8Array(8)), 'dtype "<c8" is not supported'],
    ["strings", npy(header("<U3", "(1,)"), new Uint8Array(12)), 'dtype "<U3" is not supported'],
    ["objects", npy(header("|O", "(1,)"), new Uint8Array(8)), "object arrays (pickled Python objects) are not supported"],
    ["a structured dtype", npy(`{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }`, f32le(1)), "structured dtypes are not supported"],
    ["a version 3.0 header that is not UTF-8", npy(header("<f4\xff", "(1,)"), f32le(1), 3), "the version 3.0 header is not valid UTF-8"],
    ["a broken header", npy(`{'descr': '<f4', 'shape': (1,`, f32le(1)), "the header is not a Python dict literal"],
    ["a header that is not a dict", npy(`(1, 2)`, f32le(1)), "expected the header to be a dict"],
    ["a missing key", npy(`{'descr': '<f4', 'shape': (1,)}`, f32le(1)), "expected the header keys 'descr', 'fortran_order' and 'shape', found 'descr', 'shape'"],
    ["an extra key", npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}`, f32le(1)), "found 'descr', 'fortran_order', 'shape', 'x'"],
    ["a negative dimension", npy(header("<f4", "(-1,)"), f32le(1)), "expected 'shape' to be a tuple of non-negative integers, found [-1]"],
    ["a non-boolean fortran_order", npy(header("<f4", "(1,)", "1"), f32le(1)), "expected 'fortran_order' to be True or False, found 1"],
    ["bytes after the data", npy(header("<f4", "(1,)"), f32le(1, 2)), "expected 4 bytes of data for shape (1) of <f4, found 4 more"],
    ["a float64 beyond float32", npy(header("<f8", "(2,)"), [...new Uint8Array(new Float64Array([1, 1e300]).buffer)]), "element 1 is 1e+300, outside the float32 range"],
  ])("refuses %s", (_, bytes, fragment) => refuses(bytes, fragment));

  it("refuses input that is not a Uint8Array", () => {
    expect(() => readNpy(new ArrayBuffer(4) as unknown as Uint8Array)).toThrow("found an ArrayBuffer (wrap it");
  });

  // Each of these was quoted whole, or overflowed the stack, before messages went through describe().
  it.each<[string, Uint8Array, string]>([
    ["a 200 KB header", npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': '${"A".repeat(200_000)}'}`, f32le(1), 2), "'x'"],
    ["a 200 KB broken header", npy(`{'descr': '<f4', 'shape': (1, ${"7".repeat(200_000)}`, f32le(1), 2), "the header is not a Python dict literal"],
    ["a 200 KB key", npy(`{'${"k".repeat(200_000)}': 1}`, f32le(1), 2), "expected the header keys"],
    ["10,000 keys", npy(`{${Array.from({ length: 10_000 }, (_, i) => `'k${i}': 1`).join(", ")}}`, f32le(1), 2), "(10000 keys)"],
    ["a 200 KB descr", npy(header("<f4" + "x".repeat(200_000), "(1,)"), f32le(1), 2), "is not supported"],
    ["a 200 KB string as shape", npy(`{'descr': '<f4', 'fortran_order': False, 'shape': '${"s".repeat(200_000)}', }`, f32le(1), 2), "'shape' to be a tuple"],
    ["30,000 dimensions", npy(header("<f4", `(${"1, ".repeat(30_000)}2)`), f32le(1), 2), "30001 dimensions"],
    ["5,000 levels of nesting", npy(`{'descr': ${"(".repeat(5000)}${")".repeat(5000)}}`, f32le(1), 2), "nested deeper than 32 levels"],
  ])("quotes %s within a bound", (_, bytes, fragment) => {
    refuses(bytes, fragment);
    let message = "";
    try {
      readNpy(bytes);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.length).toBeLessThan(600);
  });

  it("reads a dtype spelled with leading zeros and reports it canonically", () => {
    const t = readNpy(npy(header("<f" + "0".repeat(50) + "4", "(1,)"), f32le(1.5)));
    expect(t.dtype).toBe("<f4");
    expect(Array.from(t.data)).toEqual([1.5]);
  });
});
