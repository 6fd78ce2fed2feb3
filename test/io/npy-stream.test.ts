import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, DataError } from "../../src/errors.js";
import { readNpy, writeNpy } from "../../src/io/npy.js";
import { streamNpy, type StreamNpyOptions } from "../../src/io/npy-stream.js";
import { rng } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "stream-npy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readable(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function all(source: Parameters<typeof streamNpy>[0], options?: StreamNpyOptions) {
  const blocks = [];
  for await (const a of streamNpy(source, options)) blocks.push({ data: Array.from(a.data), shape: a.shape, dtype: a.dtype });
  return blocks;
}

/** A .npy file with a hand-written header (as numpy writes it) around raw little-endian data. */
function npyFile(descr: string, shape: string, data: Uint8Array, fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${shape}, }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

describe("streamNpy", () => {
  const r = rng(11);
  const values = Float32Array.from({ length: 37 * 5 }, () => r() * 2 - 1);
  const file = writeNpy({ data: values, shape: [37, 5] });

  it("streams rows of a C-order array from a path in blocks, the same values as readNpy", async () => {
    const path = join(dir, "a.npy");
    writeFileSync(path, file);
    const blocks = await all(path, { blockRows: 8, chunkBytes: 13 });
    expect(blocks.map((b) => b.shape)).toEqual([[8, 5], [8, 5], [8, 5], [8, 5], [5, 5]]);
    expect(blocks.flatMap((b) => b.data)).toEqual(Array.from(readNpy(file).data));
    expect(blocks[0]!.dtype).toBe("<f4");
  });

  it("gives the same bits from a ReadableStream whatever the chunk size, and converts other dtypes as readNpy", async () => {
    for (const size of [1, 7, 64, 10_000]) {
      const blocks = await all(readable(file, size), { blockRows: 10 });
      expect(blocks.flatMap((b) => b.data)).toEqual(Array.from(values));
    }
    const f8 = new Float64Array([1.5, -2.25, 3, 1e-3, 7, 8]);
    const f8file = npyFile("<f8", "(6,)", new Uint8Array(f8.buffer));
    const blocks = await all(readable(f8file, 5), { blockRows: 4 });
    expect(blocks.map((b) => b.shape)).toEqual([[4], [2]]);
    expect(blocks.flatMap((b) => b.data)).toEqual(Array.from(readNpy(f8file).data));
  });

  it("streams a Fortran-order array whose rows are contiguous, and refuses one whose rows are not", async () => {
    const column = npyFile("<f4", "(4, 1)", new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer), true);
    expect((await all(readable(column, 3))).flatMap((b) => b.data)).toEqual([1, 2, 3, 4]);
    const matrix = npyFile("<f4", "(2, 2)", new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer), true);
    await expect(all(readable(matrix, 3))).rejects.toThrow(DataError);
    await expect(all(readable(matrix, 3))).rejects.toThrow("streamNpy: a Fortran-order (column-major) array of shape (2, 2) cannot be read row by row");
  });

  it("refuses hostile and broken files with readNpy's typed errors", async () => {
    await expect(all(readable(file.slice(0, file.length - 3), 50))).rejects.toThrow("readNpy: truncated: shape (37, 5) of <f4 needs 740 bytes of data, found 737");
    const longer = new Uint8Array(file.length + 5);
    longer.set(file);
    await expect(all(readable(longer, 50))).rejects.toThrow("found 5 more");
    await expect(all(readable(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0), 2))).rejects.toThrow("zip archive");
    await expect(all(readable(file.slice(0, 8), 2))).rejects.toThrow("truncated: expected at least 10 bytes");
    await expect(all(readable(npyFile(">f4", "(1,)", new Uint8Array(4)), 9))).rejects.toThrow("big-endian");
    await expect(all(readable(npyFile("<f4", "()", new Uint8Array(4)), 9))).rejects.toThrow("0-d array");
    await expect(all(readable(npyFile("<f4", "(9007199254740991, 0)", new Uint8Array(0)), 9))).rejects.toThrow("rows of at least one value");
    // A header declaring rows of 2^32 values costs only the bytes the file has.
    await expect(all(readable(npyFile("<f4", "(2, 4294967296)", new Uint8Array(64)), 16))).rejects.toThrow("truncated");
    await expect(all(readable(file, 64), { maxHeaderBytes: 16 })).rejects.toThrow("more than the 16 allowed (maxHeaderBytes)");
    const huge = writeNpy({ data: new Float32Array([1e30]), shape: [1] });
    const f8 = npyFile("<f8", "(1,)", new Uint8Array(new Float64Array([1e300]).buffer));
    expect((await all(readable(huge, 4))).flatMap((b) => b.data)).toEqual([Math.fround(1e30)]);
    await expect(all(readable(f8, 4))).rejects.toThrow("element 0 is 1e+300, outside the float32 range");
    expect(() => streamNpy(file as never, { blockRows: -1 })).toThrow(ConfigError);
  });
});
