import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, DataError, ShapeError } from "../../src/errors.js";
import { readCsv } from "../../src/io/csv.js";
import { streamCsv, type StreamCsvOptions } from "../../src/io/csv-stream.js";
import { rng } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "stream-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes as a web ReadableStream of chunks of `size` bytes. */
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

async function all(source: Parameters<typeof streamCsv>[0], options?: StreamCsvOptions) {
  const blocks = [];
  for await (const t of streamCsv(source, options)) blocks.push({ data: Array.from(t.data), shape: t.shape, columns: t.columns });
  return blocks;
}

const flat = (blocks: { data: number[] }[]): number[] => blocks.flatMap((b) => b.data);

describe("streamCsv", () => {
  const text = '\uFEFFx,"y, quoted",z\r\n1,2,3\r\n"4",5e-1, 6 \r\n\r\n7,nan,-inf\r\n8,9,10';

  it("gives readCsv's values whatever the chunk boundaries, from a ReadableStream", async () => {
    const expected = readCsv(text);
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const blocks = await all(readable(bytes, size), { blockRows: 2 });
      expect(blocks.map((b) => b.shape), `chunks of ${size}`).toEqual([[2, 3], [2, 3]]);
      expect(blocks[0]!.columns).toEqual(["x", "y, quoted", "z"]);
      expect(flat(blocks)).toEqual(Array.from(expected.data));
    }
  });

  it("reads a path a chunk at a time, again from the start on each iteration", async () => {
    const r = rng(3);
    const rows = Array.from({ length: 500 }, () => Array.from({ length: 7 }, () => Math.fround(r() * 100 - 50)));
    const csv = `a;b;c;d;e;f;g\n${rows.map((row) => row.join(";")).join("\n")}\n`;
    const path = join(dir, "rows.csv");
    writeFileSync(path, csv);
    const stream = streamCsv(path, { chunkBytes: 97, blockRows: 64 });
    const first = await all(path, { chunkBytes: 97, blockRows: 64 });
    expect(first.map((b) => b.shape[0])).toEqual([64, 64, 64, 64, 64, 64, 64, 52]);
    expect(flat(first)).toEqual(rows.flat());
    const passes: number[][] = [];
    for (let pass = 0; pass < 2; pass++) {
      const values: number[] = [];
      for await (const t of stream) values.push(...t.data);
      passes.push(values);
    }
    expect(passes[0]).toEqual(rows.flat());
    expect(passes[1]).toEqual(rows.flat());
  });

  it("detects the delimiter and a count line from the first records even when they arrive byte by byte", async () => {
    const sk = "3,2,setosa,versicolor\n5.1,3.5\n4.9,3\n4.7,3.2\n";
    const expected = readCsv(sk);
    expect(expected.shape).toEqual([3, 2]);
    expect(flat(await all(readable(new TextEncoder().encode(sk), 1)))).toEqual(Array.from(expected.data));
    const semi = Array.from({ length: 30 }, (_, i) => `${i};${i + 0.5}`).join("\n");
    expect(flat(await all(readable(new TextEncoder().encode(semi), 1)))).toEqual(Array.from(readCsv(semi).data));
  });

  it("reads plain decimals of up to 17 digits, signs, leading and trailing dots to readCsv's bits", async () => {
    const r = rng(5);
    const field = (): string => {
      const digits = 1 + Math.floor(r() * 17);
      const text = Array.from({ length: digits }, () => Math.floor(r() * 10)).join("");
      const dot = Math.floor(r() * (digits + 1));
      const sign = ["", "-", "+"][Math.floor(r() * 3)]!;
      const body = r() < 0.8 ? `${text.slice(0, dot)}.${text.slice(dot)}` : text;
      return r() < 0.05 ? `${sign}${body}e-3` : `${sign}${body}`;
    };
    const lines = Array.from({ length: 400 }, () => Array.from({ length: 6 }, field).join(";"));
    const csv = `a;b;c;d;e;f\r\n${lines.join(r() < 0.5 ? "\n" : "\r\n")}`;
    const expected = readCsv(csv, { columns: [5, 0, 0, 3] });
    const bytes = new TextEncoder().encode(csv);
    for (const size of [13, 4096]) {
      const got = new Float32Array(flat(await all(readable(bytes, size), { columns: [5, 0, 0, 3] })));
      expect(Array.from(new Uint32Array(got.buffer)), `chunks of ${size}`).toEqual(Array.from(new Uint32Array(expected.data.buffer)));
    }
  });

  it("refuses what readCsv refuses, with the same typed errors", async () => {
    const bytes = (s: string) => readable(new TextEncoder().encode(s), 3);
    await expect(all(bytes("a,b\n1,2\n3\n"))).rejects.toThrow(ShapeError);
    await expect(all(bytes("a,b\n1,2\n3\n"))).rejects.toThrow("line 3 has 1 fields, expected 2 like line 1");
    await expect(all(bytes("a,b\n1,x\n"))).rejects.toThrow('line 2, column "b" (index 1): expected a number, found "x"');
    await expect(all(bytes('a,b\n1,"2\n'))).rejects.toThrow("a quoted field is never closed");
    await expect(all(bytes("a\n1e39\n"))).rejects.toThrow(DataError);
    await expect(all(bytes("a,b\n1,2\n"), { columns: ["c"] })).rejects.toThrow('streamCsv: column "c" not found');
    await expect(all(readable(Uint8Array.of(0x61, 0x0a, 0xff, 0x0a), 2))).rejects.toThrow("expected UTF-8 CSV text");
  });

  it("bounds what it holds: a record over maxLineLength, or too many fields, is a DataError", async () => {
    const long = new TextEncoder().encode(`a,b\n${"1,2\n".repeat(12)}1,${"2".repeat(5000)}\n`);
    await expect(all(readable(long, 100), { maxLineLength: 1000 })).rejects.toThrow("line 14: a record longer than 1000 characters (maxLineLength)");
    await expect(all(readable(new TextEncoder().encode(`"${"x".repeat(5000)}`), 64), { maxLineLength: 1000, delimiter: "," })).rejects.toThrow(DataError);
    await expect(all(readable(new TextEncoder().encode("1,2,3,4\n"), 2), { maxColumns: 3 })).rejects.toThrow("line 1 has more than 3 fields");
  });

  it("checks its options and sources when called, and reads a stream object only once", async () => {
    expect(() => streamCsv("x.csv", { blockRows: 0 })).toThrow(ConfigError);
    expect(() => streamCsv("x.csv", { chunkBytes: 1.5 })).toThrow(ConfigError);
    expect(() => streamCsv("x.csv", { delimiter: '"' })).toThrow(ConfigError);
    expect(() => streamCsv(42 as never)).toThrow("streamCsv: expected a path, a ReadableStream");
    await expect(all(join(dir, "missing.csv"))).rejects.toThrow(/streamCsv: cannot read .*missing\.csv.*: no such file/);
    const once = streamCsv(readable(new TextEncoder().encode("1\n2\n"), 4));
    for await (const _ of once) void _;
    await expect(async () => {
      for await (const _ of once) void _;
    }).rejects.toThrow(ConfigError);
    // A function source opens a new stream per pass.
    const again = streamCsv(() => readable(new TextEncoder().encode("1\n2\n"), 1));
    expect(flat(await all(() => readable(new TextEncoder().encode("1\n2\n"), 1)))).toEqual([1, 2]);
    for (let pass = 0; pass < 2; pass++) {
      const values: number[] = [];
      for await (const t of again) values.push(...t.data);
      expect(values).toEqual([1, 2]);
    }
  });
});
