// Protocol Buffers wire format (protobuf.dev/programming-guides/encoding):
// a writer for the messages toOnnx emits and a bounds-checked reader for the
// ones fromOnnx decodes. Only the wire types ONNX uses: varint (0), 64-bit (1),
// length-delimited (2) and 32-bit (5).
import { describe, ModelFormatError } from "../errors.js";

const encoder = new TextEncoder();

/** Builds one message; nested messages are written whole, then framed by their length. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private bytes: number[] = [];
  private total = 0;

  private flush(): void {
    if (this.bytes.length === 0) return;
    this.chunks.push(Uint8Array.from(this.bytes));
    this.total += this.bytes.length;
    this.bytes = [];
  }

  private varint(value: number | bigint): void {
    // Negative int64 values are ten-byte two's complement varints.
    let v = typeof value === "bigint" ? BigInt.asUintN(64, value) : value < 0 ? BigInt.asUintN(64, BigInt(value)) : value;
    if (typeof v === "bigint") {
      while (v > 0x7fn) {
        this.bytes.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.bytes.push(Number(v));
      return;
    }
    if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf: expected a safe integer, found ${describe(value)}`);
    while (v > 0x7f) {
      this.bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An int32/int64/enum field. */
  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes.push(...b);
    return this;
  }

  string(field: number, value: string): this {
    return this.raw(field, encoder.encode(value));
  }

  /** A length-delimited field: bytes, or an already encoded message. */
  raw(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.flush();
    this.chunks.push(value);
    this.total += value.length;
    return this;
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    return this.raw(field, child.finish());
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const child = new ProtoWriter();
    for (const v of values) child.varint(v);
    return this.raw(field, child.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.raw(field, data);
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** One field as read: a varint/fixed value or a length-delimited slice of the input (not copied). */
export type ProtoField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1 | 5; value: number }
  | { field: number; wire: 2; bytes: Uint8Array };

/**
 * Reads the fields of one message. Every length is checked against the bytes
 * that remain before anything is sliced, so a hostile length fails here and
 * never becomes an allocation.
 */
export function readFields(bytes: Uint8Array, what: string): ProtoField[] {
  const fields: ProtoField[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const fail = (problem: string) => new ModelFormatError(`${what}: ${problem} at byte ${at} of ${bytes.length}`);
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.length) throw fail("expected a varint, found the end of the message");
      const b = bytes[at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw fail("expected a varint of at most 10 bytes, found a longer one");
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field < 1 || field > 0x1fffffff) throw fail(`expected a field number in [1, 2^29), found ${field}`);
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (bytes.length - at < size) throw fail(`expected ${size} bytes of field ${field}, found ${bytes.length - at}`);
      fields.push({ field, wire, value: wire === 1 ? view.getFloat64(at, true) : view.getFloat32(at, true) });
      at += size;
    } else if (wire === 2) {
      const length = varint();
      if (length > BigInt(bytes.length - at)) throw fail(`field ${field} declares ${length} bytes, only ${bytes.length - at} remain`);
      const n = Number(length);
      fields.push({ field, wire, bytes: bytes.subarray(at, at + n) });
      at += n;
    } else {
      throw fail(`expected wire type 0, 1, 2 or 5 for field ${field}, found ${wire}`);
    }
  }
  return fields;
}

/** An int64 field's value as a safe JS number (two's complement for negatives). */
export function toInt(value: bigint, what: string): number {
  const signed = BigInt.asIntN(64, value);
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ModelFormatError(`${what}: expected an integer within ±2^53, found ${signed}`);
  }
  return Number(signed);
}

/** A packed (or single varint) repeated int64 field's values. */
export function readPackedInts(f: ProtoField, what: string): number[] {
  if (f.wire === 0) return [toInt(f.value, what)];
  if (f.wire !== 2) throw new ModelFormatError(`${what}: expected integers, found wire type ${f.wire}`);
  return readFields(prefixAsVarints(f.bytes), what).map((v) => toInt((v as { value: bigint }).value, what));
}

// A packed varint run is re-read as a sequence of field-1 varints: the reader
// then bounds each value as it does any other.
function prefixAsVarints(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  let o = 0;
  let start = true;
  for (const b of bytes) {
    if (start) out[o++] = 0x08;
    out[o++] = b;
    start = (b & 0x80) === 0;
  }
  if (!start) throw new ModelFormatError("protobuf: a packed integer run ends inside a varint");
  return out.subarray(0, o);
}

/** A packed (or single fixed32) repeated float field's values. */
export function readPackedFloats(f: ProtoField, what: string): number[] {
  if (f.wire === 5) return [f.value];
  if (f.wire !== 2 || f.bytes.length % 4 !== 0) throw new ModelFormatError(`${what}: expected packed floats (a multiple of 4 bytes), found ${f.wire === 2 ? `${f.bytes.length} bytes` : `wire type ${f.wire}`}`);
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < f.bytes.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: false });
export const text = (f: ProtoField): string => (f.wire === 2 ? decoder.decode(f.bytes) : "");
