// The model file: a 16-byte header, then a safetensors body that other tools
// can read by skipping the header.
//
//   offset  size  field
//        0     8  magic 41 55 54 4F 45 4E 43 1A: ASCII "AUTOENC" and 0x1A,
//                 the DOS end-of-file byte, which stops `type`-like tools from
//                 dumping the binary rest
//        8     4  format version, u32 little-endian (MODEL_FILE_VERSION = 1)
//       12     4  CRC-32 (IEEE) of bytes 16..end, u32 little-endian
//       16     …  safetensors, all tensors F32, "__metadata__" holding
//                 { "config": JSON.stringify(config), "format": "autoencoders" }
import { describe, ModelFormatError } from "../errors.js";
import { crc32 } from "./crc32.js";
import { decodeSafetensors, encodeSafetensors, type DecodedTensor, type NamedTensor } from "./safetensors.js";

export type { DecodedTensor, NamedTensor };

export const MODEL_FILE_MAGIC: readonly number[] = Object.freeze([0x41, 0x55, 0x54, 0x4f, 0x45, 0x4e, 0x43, 0x1a]);
export const MODEL_FILE_VERSION = 1;
const HEADER_BYTES = 16;
const FORMAT = "autoencoders";

/** A CRC-32 (IEEE) of bytes; callers with a faster one than ours (the wasm core) pass it in. */
export type Checksum = (bytes: Uint8Array) => number;

export interface ModelFile {
  config: unknown;
  /** In the order they were saved. */
  tensors: Map<string, DecodedTensor>;
}

/** Encodes a JSON-serializable `config` and named f32 tensors; equal inputs give equal bytes. */
export function encodeModelFile(config: unknown, tensors: readonly NamedTensor[], checksum: Checksum = crc32): Uint8Array {
  let configText: string | undefined;
  try {
    configText = JSON.stringify(config);
  } catch (e) {
    throw new ModelFormatError(`model config: expected a JSON-serializable value, found one that JSON.stringify refuses (${(e as Error).message})`);
  }
  if (configText === undefined) throw new ModelFormatError(`model config: expected a JSON-serializable value, found ${typeof config}`);
  const body = encodeSafetensors(tensors, { format: FORMAT, config: configText });
  const out = new Uint8Array(HEADER_BYTES + body.length);
  out.set(MODEL_FILE_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, MODEL_FILE_VERSION, true);
  view.setUint32(12, checksum(body), true);
  out.set(body, HEADER_BYTES);
  return out;
}

/** Decodes a model file, checking magic, version, checksum, layout and config; throws ModelFormatError with the reason. */
export function decodeModelFile(bytes: Uint8Array, checksum: Checksum = crc32): ModelFile {
  const input: unknown = bytes;
  if (!(input instanceof Uint8Array)) {
    const found = input instanceof ArrayBuffer ? "an ArrayBuffer (wrap it: new Uint8Array(buffer))" : describeValue(input);
    throw new ModelFormatError(`expected the model file as a Uint8Array, found ${found}`);
  }
  if (bytes.length === 0) throw new ModelFormatError("not an autoencoders model file: expected at least 16 bytes, found an empty input");
  const head = bytes.subarray(0, MODEL_FILE_MAGIC.length);
  if (head.some((b, i) => b !== MODEL_FILE_MAGIC[i])) throw new ModelFormatError(notModelFile(bytes));
  if (bytes.length < HEADER_BYTES) {
    throw new ModelFormatError(`truncated model file: expected at least ${HEADER_BYTES} bytes (the header), found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version > MODEL_FILE_VERSION) {
    throw new ModelFormatError(`model file version ${version} is newer than this library reads (version ${MODEL_FILE_VERSION}): upgrade autoencoders to load it`);
  }
  if (version !== MODEL_FILE_VERSION) throw new ModelFormatError(`unknown model file version ${version}: expected ${MODEL_FILE_VERSION}`);
  const body = bytes.subarray(HEADER_BYTES);
  const stored = view.getUint32(12, true);
  const actual = checksum(body);
  if (stored !== actual) {
    const mismatch = `checksum expected ${hex32(stored)}, found ${hex32(actual)}`;
    const needed = declaredLength(body);
    if (needed !== undefined && needed.bytes > body.length) {
      throw new ModelFormatError(
        `truncated model file: expected ${needed.exact ? "" : "at least "}${HEADER_BYTES + needed.bytes} bytes, found ${bytes.length} (${mismatch})`,
      );
    }
    throw new ModelFormatError(`corrupted model file: ${mismatch}`);
  }
  let decoded;
  try {
    decoded = decodeSafetensors(body);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(`model file body: ${e.message}`);
    throw e;
  }
  const { format, config } = decoded.metadata;
  if (format !== FORMAT) {
    throw new ModelFormatError(`model file metadata: expected format "${FORMAT}", found ${format === undefined ? "none" : describe(format)}`);
  }
  if (config === undefined) throw new ModelFormatError(`model file metadata: expected a "config" entry, found none`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(config);
  } catch (e) {
    throw new ModelFormatError(`model file config is not valid JSON (${(e as Error).message})`);
  }
  return { config: parsed, tensors: decoded.tensors };
}

const hex32 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, "0")}`;
const hexBytes = (b: ArrayLike<number>): string => Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, "0")).join(" ");
const describeValue = (v: unknown): string => (v === null ? "null" : typeof v === "object" ? (v as object).constructor?.name ?? "an object" : typeof v);

/** How long the safetensors body says it is, as far as its damaged bytes tell. */
function declaredLength(body: Uint8Array): { bytes: number; exact: boolean } | undefined {
  if (body.length < 8) return { bytes: 8, exact: false };
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (8 + headerLength > body.length) return { bytes: 8 + headerLength, exact: false };
  try {
    const header = JSON.parse(new TextDecoder().decode(body.subarray(8, 8 + headerLength))) as Record<string, { data_offsets?: unknown }>;
    let end = 0;
    for (const [name, entry] of Object.entries(header)) {
      const offsets = name === "__metadata__" ? undefined : entry?.data_offsets;
      if (Array.isArray(offsets) && typeof offsets[1] === "number") end = Math.max(end, offsets[1]);
    }
    return { bytes: 8 + headerLength + end, exact: true };
  } catch {
    return undefined;
  }
}

const SIGNATURES: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], "a PNG image"],
  [[0xff, 0xd8, 0xff], "a JPEG image"],
  [[0x50, 0x4b, 0x03, 0x04], "a zip archive (a .keras, .pt or .npz file?)"],
  [[0x1f, 0x8b], "gzip-compressed data (decompress it first)"],
  [[0x89, 0x48, 0x44, 0x46], "an HDF5 file (a Keras .h5 file?)"],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], "a NumPy .npy file"],
];

function notModelFile(bytes: Uint8Array): string {
  const found = bytes.subarray(0, MODEL_FILE_MAGIC.length);
  let message = `not an autoencoders model file: expected magic ${hexBytes(MODEL_FILE_MAGIC)} ("AUTOENC\\x1A"), found ${hexBytes(found)}`;
  const hint = recognise(bytes);
  if (hint) message += `; this looks like ${hint}`;
  return message;
}

function recognise(bytes: Uint8Array): string | undefined {
  for (const [signature, what] of SIGNATURES) {
    if (bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b)) return what;
  }
  if (bytes.length >= 10) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
    if (n <= bytes.length - 8 && bytes[8] === 0x7b) return "a bare safetensors file (weights only, no model header; read it with decodeSafetensors)";
  }
  const text = new TextDecoder().decode(bytes.subarray(0, 64)).replace(/^\uFEFF/, "").trimStart();
  if (text.startsWith("QVVUT0VO")) return "base64 text of a model file (decode the base64 first)";
  if (text.startsWith("{") || text.startsWith("[")) return "JSON text, not a binary model file (was it read or saved as text?)";
  return undefined;
}
