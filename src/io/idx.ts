// The IDX format of the MNIST files (yann.lecun.com/exdb/mnist): bytes
// 00 00 <type> <ndim>, ndim big-endian u32 dimension sizes, then the values,
// big-endian, in C order. Values are returned as f32 as they are, not scaled
// (MNIST pixels stay 0..255); i32 values beyond 2^24 round to the nearest
// f32, and a finite f64 value outside the float32 range is refused.
import { DataError, ShapeError, describe } from "../errors.js";
import { shapeText, sizeOf } from "../shape.js";

/** The value types an IDX file may hold (its third magic byte). */
export type IdxDtype = "u8" | "i8" | "i16" | "i32" | "f32" | "f64";

/** What readIdx returns: the values as stored (MNIST pixels stay 0–255), with the shape. */
export interface IdxArray {
  /** The values, row-major, as f32. */
  data: Float32Array;
  /** The file's dimensions, e.g. [60000, 28, 28]. */
  shape: number[];
  /** The type the file stored. */
  dtype: IdxDtype;
}

const TYPES: Record<number, { dtype: IdxDtype; size: number; min: number; max: number }> = {
  0x08: { dtype: "u8", size: 1, min: 0, max: 255 },
  0x09: { dtype: "i8", size: 1, min: -128, max: 127 },
  0x0b: { dtype: "i16", size: 2, min: -32768, max: 32767 },
  0x0c: { dtype: "i32", size: 4, min: -(2 ** 31), max: 2 ** 31 - 1 },
  0x0d: { dtype: "f32", size: 4, min: -Infinity, max: Infinity },
  0x0e: { dtype: "f64", size: 8, min: -Infinity, max: Infinity },
};
const TYPE_LIST = "0x08 (u8), 0x09 (i8), 0x0B (i16), 0x0C (i32), 0x0D (f32) or 0x0E (f64)";
const F32_MAX = 3.4028234663852886e38;

const fail = (reason: string): DataError => new DataError(`readIdx: ${reason}`);
const hexBytes = (b: ArrayLike<number>): string => Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, "0")).join(" ");
const hexByte = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`;

/** Reads an IDX file (uncompressed) into f32 values with its shape and stored dtype. */
export function readIdx(bytes: Uint8Array): IdxArray {
  const input: unknown = bytes;
  if (!(input instanceof Uint8Array)) {
    throw fail(`expected the file as a Uint8Array, found ${input instanceof ArrayBuffer ? "an ArrayBuffer (wrap it: new Uint8Array(buffer))" : typeof input}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw fail("this is gzip-compressed data (a .gz download?): decompress it first");
  if ((bytes.length > 0 && bytes[0] !== 0) || (bytes.length > 1 && bytes[1] !== 0)) {
    throw fail(`not an IDX file: expected magic 00 00 <type> <ndim>, found ${hexBytes(bytes.subarray(0, 4))}`);
  }
  if (bytes.length < 4) throw fail(`truncated: expected at least 4 bytes (the magic), found ${bytes.length}`);
  const type = TYPES[bytes[2]!];
  if (!type) throw fail(`unknown IDX data type ${hexByte(bytes[2]!)}: expected ${TYPE_LIST}`);
  const ndim = bytes[3]!;
  if (ndim === 0) throw fail("expected at least one dimension, found ndim 0");
  const dataStart = 4 + 4 * ndim;
  if (bytes.length < dataStart) throw fail(`truncated: ${ndim} dimensions need a ${dataStart}-byte header, found ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = sizeOf(shape);
  const needed = count * type.size;
  const available = bytes.length - dataStart;
  if (available < needed) {
    throw fail(`truncated: shape ${shapeText(shape)} of ${type.dtype} needs ${needed} bytes of data, found ${available}`);
  }
  if (available > needed) throw fail(`expected ${needed} bytes of data for shape ${shapeText(shape)} of ${type.dtype}, found ${available - needed} more`);
  return { data: convert(bytes, view, dataStart, count, type.dtype), shape, dtype: type.dtype };
}

function convert(bytes: Uint8Array, view: DataView, start: number, count: number, dtype: IdxDtype): Float32Array {
  if (dtype === "u8") return new Float32Array(bytes.subarray(start, start + count));
  if (dtype === "i8") return new Float32Array(new Int8Array(bytes.buffer, bytes.byteOffset + start, count));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === "i16") out[i] = view.getInt16(start + 2 * i, false);
    else if (dtype === "i32") out[i] = view.getInt32(start + 4 * i, false);
    else if (dtype === "f32") out[i] = view.getFloat32(start + 4 * i, false);
    else {
      const v = view.getFloat64(start + 8 * i, false);
      if (Math.abs(v) > F32_MAX && Number.isFinite(v)) throw fail(`element ${i} is ${v}, outside the float32 range (±3.4028235e38)`);
      out[i] = v;
    }
  }
  return out;
}

/** Writes values as an IDX file of `dtype` (default f32); integer dtypes need integers in their range. */
export function writeIdx(tensor: { data: Float32Array; shape: number[] }, dtype: IdxDtype = "f32"): Uint8Array {
  const { data, shape } = tensor;
  const code = Number(Object.keys(TYPES).find((k) => TYPES[Number(k)]!.dtype === dtype));
  const type = TYPES[code];
  if (!type) throw new DataError(`writeIdx: expected dtype u8, i8, i16, i32, f32 or f64, found ${describe(dtype)}`);
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 255 || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0xffffffff)) {
    throw new ShapeError(`writeIdx: expected 1 to 255 dimensions, each an integer in 0..2^32-1, found ${describe(shape)}`);
  }
  const count = sizeOf(shape);
  if (count !== data.length) throw new ShapeError(`writeIdx: shape ${shapeText(shape)} holds ${count} values, found ${data.length} in data`);
  const start = 4 + 4 * shape.length;
  const out = new Uint8Array(start + count * type.size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const at = start + i * type.size;
    if (Number.isFinite(type.min) && !(Number.isInteger(v) && v >= type.min && v <= type.max)) {
      throw new DataError(`writeIdx: element ${i} is ${v}, expected an integer in ${type.min}..${type.max} for ${dtype}`);
    }
    if (dtype === "u8") out[at] = v;
    else if (dtype === "i8") view.setInt8(at, v);
    else if (dtype === "i16") view.setInt16(at, v, false);
    else if (dtype === "i32") view.setInt32(at, v, false);
    else if (dtype === "f32") view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}
