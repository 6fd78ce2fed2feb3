// Edits of the core's bytes for the thread pool: its memory import made
// shared, and a copy without data for the workers. Both walk the module's
// sections (WebAssembly core spec §5.5) with one LEB128 reader.

/** A cursor over module bytes that reads unsigned LEB128 numbers. */
class Cursor {
  constructor(readonly bytes: Uint8Array, public at = 8) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  byte(): number {
    return this.bytes[this.at++]!;
  }

  leb(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && !this.done);
    return result;
  }

  /** Skips a name: its byte length, then its bytes. */
  skipName(): void {
    const length = this.leb();
    this.at += length;
  }

  /** Reads a section header: its id, and where its size and its content start. */
  section(): { id: number; sizeAt: number; start: number; end: number } {
    const id = this.byte();
    const sizeAt = this.at;
    const size = this.leb();
    return { id, sizeAt, start: this.at, end: this.at + size };
  }
}

/**
 * The core's bytes with its memory import made shared (limits flags 0x03,
 * maximum 65,536 pages): the same code, on a memory workers can share, so no
 * second binary ships. Returns null when the bytes have no such import.
 */
export function withSharedMemoryImport(bytes: Uint8Array): Uint8Array | null {
  const cursor = new Cursor(bytes);
  while (!cursor.done) {
    const { id, sizeAt, start, end } = cursor.section();
    if (id !== 2) {
      cursor.at = end;
      continue;
    }
    const count = cursor.leb();
    for (let i = 0; i < count; i++) {
      cursor.skipName(); // module
      cursor.skipName(); // field
      const kind = cursor.byte();
      if (kind === 0) cursor.leb();
      else if (kind === 1) {
        cursor.at++;
        const flags = cursor.byte();
        cursor.leb();
        if (flags & 1) cursor.leb();
      } else if (kind === 3) cursor.at += 2;
      else if (kind === 2) return withSharedLimits(cursor, sizeAt, start, end);
      else return null;
    }
    return null;
  }
  return null;
}

/** The module with the memory limits at the cursor replaced by shared ones, the import section's size rewritten. */
function withSharedLimits(cursor: Cursor, sizeAt: number, start: number, end: number): Uint8Array {
  const { bytes } = cursor;
  const limitsAt = cursor.at;
  const flags = cursor.byte();
  if (flags & 2) return bytes; // already shared
  const initial = cursor.leb();
  if (flags & 1) cursor.leb();
  const limits = [0x03, ...lebBytes(initial), ...lebBytes(65536)];
  const sectionSize = limitsAt - start + limits.length + (end - cursor.at);
  // Typed-array copies: spreading the 140 KB core into arrays took 10-40 ms of a cold start.
  return concatBytes([
    bytes.subarray(0, sizeAt), Uint8Array.from(lebBytes(sectionSize)), bytes.subarray(start, limitsAt),
    Uint8Array.from(limits), bytes.subarray(cursor.at, end), bytes.subarray(end),
  ]);
}

/**
 * The core's bytes without its data (sections 11, data, and 12, data
 * count) for the workers: the segments are already in the shared memory,
 * and instantiating a module re-applies its active segments, which would
 * write into memory the models are using. The core has no start function
 * and no memory.init, so nothing else reads them.
 */
export function workerModuleBytes(bytes: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const cursor = new Cursor(bytes);
  while (!cursor.done) {
    const sectionAt = cursor.at;
    const { id, end } = cursor.section();
    cursor.at = end;
    if (id !== 11 && id !== 12) kept.push(bytes.subarray(sectionAt, end));
  }
  return concatBytes(kept);
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function lebBytes(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}
