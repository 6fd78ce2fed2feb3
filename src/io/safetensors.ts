// The safetensors layout (https://github.com/huggingface/safetensors): an
// 8-byte little-endian u64 N, N bytes of UTF-8 JSON header, then the raw
// little-endian tensor data, which the tensors cover exactly, without gaps or
// overlaps. Only F32 tensors are read and written: any other dtype (F64, F16,
// BF16, integers) is refused by name rather than converted, so a model never
// loads weights that differ from the bits that were saved.
import { DataError, describe, ModelFormatError, ShapeError } from "../errors.js";
import { shapeText, sizeOf } from "../shape.js";

/** A named row-major f32 tensor. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A decoded tensor; `data` is a fresh copy that shares nothing with the input bytes. */
export interface DecodedTensor {
  shape: number[];
  data: Float32Array;
}

export interface Safetensors {
  metadata: Record<string, string>;
  /** In the order of their data in the file. */
  tensors: Map<string, DecodedTensor>;
}

const METADATA_KEY = "__metadata__";
const SPACE = 0x20;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes `tensors` in the given order, data laid out in that order, the
 * header padded with spaces so the data starts at a multiple of 8 bytes.
 * Metadata keys are written sorted, so equal inputs give equal bytes.
 */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const entries: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    const keys = Object.keys(metadata).sort();
    for (const key of keys) {
      if (typeof metadata[key] !== "string") {
        throw new ModelFormatError(`safetensors metadata: expected a string for key ${describe(key)}, found ${typeof metadata[key]}`);
      }
    }
    entries.push(`"${METADATA_KEY}":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(",")}}`);
  }
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    checkTensor(t, names);
    const end = offset + t.data.length * 4;
    entries.push(`${JSON.stringify(t.name)}:{"dtype":"F32","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const header = new TextEncoder().encode(`{${entries.join(",")}}`);
  const headerLength = header.length + ((8 - (header.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(header, 8);
  out.fill(SPACE, 8 + header.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors) {
    writeF32(out, at, t.data);
    at += t.data.length * 4;
  }
  return out;
}

function checkTensor(t: NamedTensor, names: Set<string>): void {
  const label = `safetensors tensor ${describe(t?.name)}`;
  if (typeof t?.name !== "string") throw new ModelFormatError(`safetensors: expected a string tensor name, found ${typeof t?.name}`);
  if (t.name === METADATA_KEY) throw new ModelFormatError(`${label}: the name is reserved for metadata`);
  if (names.has(t.name)) throw new ModelFormatError(`${label}: expected unique tensor names, found the name twice`);
  names.add(t.name);
  if (Object.prototype.toString.call(t.data) !== "[object Float32Array]") {
    throw new DataError(`${label}: expected data to be a Float32Array, found ${Object.prototype.toString.call(t.data).slice(8, -1)}`);
  }
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ShapeError(`${label}: expected a shape of non-negative integers, found ${describe(t.shape)}`);
  }
  const count = sizeOf(t.shape);
  if (count !== t.data.length) {
    throw new ShapeError(`${label}: shape ${shapeText(t.shape)} holds ${count} values, found ${t.data.length} in data`);
  }
}

function writeF32(out: Uint8Array, at: number, data: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
}

function readF32(bytes: Uint8Array, begin: number, count: number): Float32Array {
  // Uint8Array's slice copies; the slice of a Node.js buffer subclass is a view into a shared pool, so call it explicitly.
  if (LITTLE_ENDIAN_HOST) return new Float32Array(Uint8Array.prototype.slice.call(bytes, begin, begin + 4 * count).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(begin + 4 * i, true);
  return data;
}

const fail = (reason: string): ModelFormatError => new ModelFormatError(`invalid safetensors: ${reason}`);


interface Entry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
  /** A tensor of another dtype that the caller chose to skip: checked for its place, not decoded. */
  skipped?: boolean;
}

export interface DecodeOptions {
  /**
   * Tensors of a dtype other than F32 for which this returns true are checked
   * (shape, offsets) and left out of the result instead of refused: PyTorch's
   * int64 BatchNorm counters, for one.
   */
  skip?: (name: string, dtype: string) => boolean;
}

/** Bytes per element of the safetensors dtypes. */
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };

/**
 * Decodes and validates a safetensors file: the header length, UTF-8 and
 * JSON of the header, every entry (dtype F32, shape, data_offsets that match
 * the shape and lie inside the data), and that the tensors cover the data
 * section exactly. Throws ModelFormatError naming the first problem found.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): Safetensors {
  if (bytes.length < 8) throw fail(`expected at least 8 bytes (the header length), found ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > bytes.length - 8) {
    throw fail(`truncated: the header length is ${headerLength} bytes, found ${bytes.length - 8} bytes after the length field`);
  }
  if (headerLength === 0 || bytes[8] !== 0x7b) {
    throw fail(`expected the header to start with "{", found ${headerLength === 0 ? "an empty header" : `byte 0x${bytes[8]!.toString(16).padStart(2, "0")}`}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw fail("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw fail(`expected the header to be a JSON object, found ${describe(header)}`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = checkMetadata(value);
    else entries.push(checkEntry(name, value, dataLength, options.skip));
  }
  // Stable: zero-size tensors sharing an offset keep their header order.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous = "";
  for (const e of entries) {
    if (e.begin < expected) throw fail(`tensor ${describe(e.name)} overlaps tensor ${describe(previous)}: it begins at byte ${e.begin}, before ${expected}`);
    if (e.begin > expected) throw fail(`a gap of ${e.begin - expected} bytes before tensor ${describe(e.name)}: expected it to begin at byte ${expected}, found ${e.begin}`);
    expected = e.end;
    previous = e.name;
  }
  if (expected !== dataLength) {
    throw fail(`expected the tensors to cover the ${dataLength}-byte data section exactly, found ${dataLength - expected} bytes after the last tensor`);
  }
  const tensors = new Map<string, DecodedTensor>();
  for (const e of entries) if (!e.skipped) tensors.set(e.name, { shape: e.shape, data: readF32(bytes, dataStart + e.begin, (e.end - e.begin) / 4) });
  return { metadata, tensors };
}

function checkMetadata(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail(`expected "${METADATA_KEY}" to be an object of strings, found ${describe(value)}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") throw fail(`expected "${METADATA_KEY}" value ${describe(key)} to be a string, found ${describe(v)}`);
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function checkEntry(name: string, value: unknown, dataLength: number, skip: DecodeOptions["skip"]): Entry {
  const label = `tensor ${describe(name)}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(`expected ${label} to be an object, found ${describe(value)}`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string") throw fail(`${label}: expected a string dtype, found ${describe(dtype)}`);
  const skipped = dtype !== "F32" && Object.hasOwn(DTYPE_BYTES, dtype) && skip !== undefined && skip(name, dtype);
  if (dtype !== "F32" && !skipped) throw fail(`${label}: dtype ${describe(dtype)} is not supported, expected F32 (convert the weights to float32 before saving)`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw fail(`${label}: expected a shape of non-negative integers, found ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0) || offsets[0] > offsets[1]) {
    throw fail(`${label}: expected data_offsets [begin, end] with 0 <= begin <= end, found ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  let bytesNeeded = skipped ? DTYPE_BYTES[dtype]! : 4;
  for (const d of shape as number[]) bytesNeeded = Math.min(bytesNeeded * d, Number.MAX_SAFE_INTEGER);
  if (bytesNeeded !== end - begin) {
    throw fail(`${label}: shape ${shapeText(shape)} of ${dtype} needs ${bytesNeeded} bytes, found data_offsets [${begin}, ${end}] spanning ${end - begin}`);
  }
  if (end > dataLength) throw fail(`truncated: ${label} ends at byte ${end} of the data section, found ${dataLength} bytes of data`);
  return { name, shape: shape as number[], begin, end, ...(skipped ? { skipped } : {}) };
}
