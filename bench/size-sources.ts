// Where the bytes of a bundle come from: each minified byte of dist/index.js
// (or the file given) is charged, through its source map, to the src/ file it
// came from. Per file: the minified bytes, and the gzip bytes the bundle saves
// without them (the bundle gzipped whole, minus it gzipped with that file's
// bytes cut out), the figure that says what moving the file elsewhere gains.
// The marginal figures do not add up to the total: text shared between files
// compresses once.
// Run: npx tsx bench/size-sources.ts [dist/file.js] [--top N]   (after npm run build)
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { SourceMapConsumer } from "source-map-js";
import { markdownTable } from "./report.js";

const ROOT = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const topFlag = args.indexOf("--top");
const TOP = topFlag >= 0 ? Number(args[topFlag + 1]) : 40;
const file = resolve(ROOT, args.find((a, i) => !a.startsWith("--") && !["--top", "--group"].includes(args[i - 1]!)) ?? "dist/index.js");

const code = readFileSync(file, "utf8");
const map = new SourceMapConsumer(JSON.parse(readFileSync(`${file}.map`, "utf8")));
const lineStarts = [0];
for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);

/** The source of every character of the bundle (its nearest mapping to the left on its line), "(unmapped)" where none. */
const owner: string[] = new Array(code.length).fill("(unmapped)");
const mappings: { offset: number; source: string }[] = [];
map.eachMapping((m) => {
  const source = m.source ? relative(ROOT, resolve(file, "..", m.source)).replace(/^dist-tsc\//, "src/") : "(unmapped)";
  mappings.push({ offset: lineStarts[m.generatedLine - 1]! + m.generatedColumn, source });
});
mappings.sort((a, b) => a.offset - b.offset);
for (let i = 0; i < mappings.length; i++) {
  const end = i + 1 < mappings.length ? mappings[i + 1]!.offset : code.length;
  for (let j = mappings[i]!.offset; j < end; j++) owner[j] = mappings[i]!.source;
}

const gzip = (text: string) => gzipSync(Buffer.from(text), { level: 9 }).length;
const whole = gzip(code);
const bytesOf = new Map<string, number>();
for (const source of owner) bytesOf.set(source, (bytesOf.get(source) ?? 0) + 1);
const rows = [...bytesOf.entries()].map(([source, raw]) => {
  let without = "";
  for (let i = 0; i < code.length; i++) if (owner[i] !== source) without += code[i];
  return { source, raw, saved: whole - gzip(without) };
});
rows.sort((a, b) => b.saved - a.saved);

const kb = (n: number) => (n / 1024).toFixed(2);
console.log(`${relative(ROOT, file)}: ${kb(code.length)} KB minified, ${kb(whole)} KB gzip -9; ${rows.length} sources, the ${Math.min(TOP, rows.length)} that weigh most:\n`);
console.log(markdownTable(["source", "minified KB", "gzip KB saved without it"], rows.slice(0, TOP).map((r) => [r.source, kb(r.raw), kb(r.saved)])));
const dirs = new Map<string, { raw: number; saved: number }>();
for (const r of rows) {
  const dir = r.source.includes("/") ? join(...r.source.split("/").slice(0, -1)) : r.source;
  const d = dirs.get(dir) ?? { raw: 0, saved: 0 };
  dirs.set(dir, { raw: d.raw + r.raw, saved: d.saved + r.saved });
}
console.log("\nBy folder (the sum of the files' marginal gzip bytes):\n");
console.log(markdownTable(["folder", "minified KB", "gzip KB (sum)"], [...dirs.entries()].sort((a, b) => b[1].saved - a[1].saved).map(([d, s]) => [d, kb(s.raw), kb(s.saved)])));

// --group a.ts,b.ts: the gzip bytes the bundle saves without all of them at once.
for (let i = 0; i < args.length; i++) {
  if (args[i] !== "--group") continue;
  const group = new Set(args[i + 1]!.split(","));
  let without = "";
  for (let j = 0; j < code.length; j++) if (!group.has(owner[j]!)) without += code[j];
  console.log(`\nwithout ${[...group].join(", ")}: ${kb(whole - gzip(without))} KB gzip saved`);
}
