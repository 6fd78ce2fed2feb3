// The reading of streamNpy (npy-stream.ts), a pass over the chunks at a time,
// in a module of its own: the default bundle loads it (dist/npy-arrays.js)
// with the first pass, so programs that never stream .npy do not carry it.
import { DataError } from "../errors.js";
import { npySizeMismatch, npyPreamble, npyValues, type NpyArray, type NpyPreamble } from "./npy.js";
import { shapeTuple, sizeOf } from "../shape.js";

const BLOCK_BYTES = 1 << 20;

/** The bytes held, as a list of chunks with a running total, so nothing is copied until a block is taken. */
class Pending {
  private parts: Uint8Array[] = [];
  length = 0;
  push(chunk: Uint8Array): void {
    this.parts.push(chunk);
    this.length += chunk.length;
  }
  /** The first n bytes, removed. */
  take(n: number): Uint8Array {
    const first = this.parts[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      this.length -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const part = this.parts[0]!;
      const used = Math.min(part.length, n - at);
      out.set(part.subarray(0, used), at);
      at += used;
      if (used === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(used);
    }
    this.length -= n;
    return out;
  }
  /** The first n bytes (or all, when fewer), left in place. */
  peek(n: number): Uint8Array {
    const all = this.take(Math.min(n, this.length));
    this.parts.unshift(all);
    this.length += all.length;
    return all;
  }
}

/** Reads the preamble from the first chunks; what follows it stays in `pending`. */
async function preambleOf(chunks: AsyncGenerator<Uint8Array>, pending: Pending, maxHeaderBytes: number): Promise<NpyPreamble> {
  let need = 10;
  for (;;) {
    while (pending.length < need) {
      const next = await chunks.next();
      if (next.done) return npyPreamble(pending.peek(pending.length), true, maxHeaderBytes) as NpyPreamble;
      pending.push(next.value);
    }
    const parsed = npyPreamble(pending.peek(need), false, maxHeaderBytes);
    if (typeof parsed !== "number") {
      pending.take(parsed.dataStart);
      return parsed;
    }
    need = parsed;
  }
}

export async function* arrays(chunks: AsyncGenerator<Uint8Array>, blockRowsOption: number | undefined, maxHeaderBytes: number): AsyncGenerator<NpyArray> {
  const pending = new Pending();
  try {
    const { shape, fortranOrder, kind, size, descr } = await preambleOf(chunks, pending, maxHeaderBytes);
    if (shape.length === 0) throw new DataError("streamNpy: expected an array with at least one axis to stream rows of, found a 0-d array (a scalar); read it with readNpy");
    if (fortranOrder && shape.filter((d) => d > 1).length > 1) {
      throw new DataError(
        `streamNpy: a Fortran-order (column-major) array of shape ${shapeTuple(shape)} cannot be read row by row; ` +
          "save it in C order (np.save(path, np.ascontiguousarray(a))) or read it whole with readNpy",
      );
    }
    const rowShape = shape.slice(1);
    const cols = sizeOf(rowShape);
    const rowBytes = cols * size;
    if (rowBytes === 0) throw new DataError(`streamNpy: expected rows of at least one value, found shape ${shapeTuple(shape)}`);
    const totalRows = shape[0]!;
    const blockRows = blockRowsOption ?? Math.max(1, Math.floor(BLOCK_BYTES / Math.max(1, rowBytes)));
    let row = 0;
    let ended = false;
    while (row < totalRows) {
      const rows = Math.min(blockRows, totalRows - row);
      // Bytes are gathered before any array is made, so a header declaring huge rows costs only what the file holds.
      while (!ended && pending.length < rows * rowBytes) {
        const next = await chunks.next();
        if (next.done) ended = true;
        else pending.push(next.value);
      }
      if (pending.length < rows * rowBytes) throw npySizeMismatch(shape, descr, totalRows * rowBytes, row * rowBytes + pending.length);
      const bytes = pending.take(rows * rowBytes);
      yield { data: npyValues(bytes, 0, rows * cols, kind, size, row * cols), shape: [rows, ...rowShape], dtype: descr };
      row += rows;
    }
    // Bytes after the last row: count them all for the message (at most the rest of the stream, read a chunk at a time).
    let extra = pending.length;
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      extra += next.value.length;
    }
    if (extra > 0) throw npySizeMismatch(shape, descr, totalRows * rowBytes, totalRows * rowBytes + extra);
  } finally {
    await chunks.return(undefined);
  }
}
