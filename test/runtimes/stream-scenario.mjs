// streamCsv and streamNpy in another runtime (run by Deno from stream-deno.test.ts): from a web ReadableStream
// of small chunks, and from a path given as argv[0] (a CSV) and argv[1] (a .npy). Prints one JSON line.
import { readCsv, streamCsv, streamNpy, writeNpy } from "../../dist/index.js";

const text = "a;b;c\n1;2.5;-3\n4;5e-1;6\n7;nan;9\n";
const bytes = new TextEncoder().encode(text);
const chunks = (data, size) => {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= data.length) return controller.close();
      controller.enqueue(data.slice(at, at + size));
      at += size;
    },
  });
};
const collect = async (blocks) => {
  const values = [];
  for await (const block of blocks) values.push(...Array.from(block.data, (v) => (Number.isNaN(v) ? "nan" : v)));
  return values;
};
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const npy = writeNpy({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] });
console.log(JSON.stringify({
  csvStream: await collect(streamCsv(chunks(bytes, 3), { blockRows: 2 })),
  csvWhole: Array.from(readCsv(text).data, (v) => (Number.isNaN(v) ? "nan" : v)),
  npyStream: await collect(streamNpy(chunks(npy, 7))),
  csvPath: await collect(streamCsv(args[0])),
  npyPath: await collect(streamNpy(args[1])),
}));
