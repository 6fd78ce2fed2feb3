import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, DataError, ShapeError } from "../../src/errors.js";
import { readCsv, type CsvOptions } from "../../src/io/csv.js";
import { randomArray } from "../helpers.js";

function table(text: string, options?: CsvOptions) {
  const t = readCsv(text, options);
  return { data: Array.from(t.data), shape: t.shape, columns: t.columns };
}

function refuses(text: string, options: CsvOptions | undefined, type: typeof DataError | typeof ShapeError | typeof ConfigError, fragment: string): void {
  expect(() => readCsv(text, options)).toThrow(type);
  expect(() => readCsv(text, options)).toThrow(fragment);
}

describe("readCsv", () => {
  it("reads a header and rows of numbers", () => {
    expect(table("a,b\n1,2\n3,4\n")).toEqual({ data: [1, 2, 3, 4], shape: [2, 2], columns: ["a", "b"] });
  });

  it("detects a header only when the first row has a non-empty non-number", () => {
    expect(table("1,2\n3,4")).toEqual({ data: [1, 2, 3, 4], shape: [2, 2], columns: ["0", "1"] });
    expect(table(" x , y \n1,2").columns).toEqual(["x", "y"]);
    expect(table("x,7\n1,2").columns).toEqual(["x", "7"]);
    refuses("1,,3\n4,5,6", undefined, DataError, "line 1, column index 1: expected a number, found a missing value");
    expect(table("1,2\n3,4", { header: true })).toEqual({ data: [3, 4], shape: [1, 2], columns: ["1", "2"] });
    refuses("a,b\n1,2", { header: false }, DataError, 'line 1, column index 0: expected a number, found "a"');
  });

  it("handles CRLF, lone CR, a BOM, blank and whitespace lines, with or without a final newline", () => {
    const expected = { data: [1, 2, 3, 4], shape: [2, 2], columns: ["a", "b"] };
    for (const text of ["a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4", "\uFEFFa,b\n1,2\n3,4", "\na,b\n\n1,2\n  \n\r\n3,4\n\n\n", "a,b\n1,2\n3,4"]) {
      expect(table(text), JSON.stringify(text)).toEqual(expected);
    }
  });

  it("reads RFC 4180 quoted fields: delimiters, line breaks and doubled quotes inside", () => {
    const t = table('"x, y","say ""hi""","multi\nline"\n"1.5", 2 ,"-3"\n4,5,6\n');
    expect(t).toEqual({ data: [1.5, 2, -3, 4, 5, 6], shape: [2, 3], columns: ["x, y", 'say "hi"', "multi\nline"] });
    refuses('"a\nb",c\n1,2\n1,x', undefined, DataError, 'line 4, column "c" (index 1)');
  });

  it("reads decimal, exponent, signed, nan and infinity values", () => {
    const t = readCsv("v\n.5\n5.\n+1e3\n-2.5E-2\n  7  \nNaN\n-inf\nInfinity\n1e-50");
    expect(Array.from(t.data)).toEqual([0.5, 5, 1000, Math.fround(-0.025), 7, NaN, -Infinity, Infinity, 0]);
  });

  it("detects ';' and tab, falls back to ',' and honours an explicit delimiter", () => {
    expect(table("a;b\n1;2")).toEqual({ data: [1, 2], shape: [1, 2], columns: ["a", "b"] });
    expect(table("a\tb\tc\n1\t2\t3").shape).toEqual([1, 3]);
    expect(table('"p;q",r\n1,2').columns).toEqual(["p;q", "r"]);
    expect(table("v\n1\n2")).toEqual({ data: [1, 2], shape: [2, 1], columns: ["v"] });
    expect(table("a|b\n1|2", { delimiter: "|" }).data).toEqual([1, 2]);
  });

  it("selects columns by name or index, in the given order, skipping text columns", () => {
    const text = "id,x,y,label\nfoo,1,2,cat\nbar,3,4,dog\n";
    expect(table(text, { columns: ["y", 1] })).toEqual({ data: [2, 1, 4, 3], shape: [2, 2], columns: ["y", "x"] });
    expect(table("1,2,3\n4,5,6", { columns: [2, 0] })).toEqual({ data: [3, 1, 6, 4], shape: [2, 2], columns: ["2", "0"] });
    refuses(text, undefined, DataError, 'line 2, column "id" (index 0): expected a number, found "foo"');
  });

  it.each<[string, string, CsvOptions | undefined, typeof DataError | typeof ShapeError | typeof ConfigError, string]>([
    ["a ragged row", "a,b\n\n1,2\n1,2,3", undefined, ShapeError, "line 4 has 3 fields, expected 2 like line 1"],
    ["a short row", "1,2,3\n4,5", undefined, ShapeError, "line 2 has 2 fields, expected 3"],
    ["a missing value", "a,b\n1,2\n3,", undefined, DataError, 'line 3, column "b" (index 1): expected a number, found a missing value'],
    ["a quoted empty value", 'a\n""', undefined, DataError, "found a missing value"],
    ["text", "a,b\n1,two", undefined, DataError, 'line 2, column "b" (index 1): expected a number, found "two"'],
    ["a decimal comma", "a;b\n1,5;2", undefined, DataError, "use '.' as the decimal separator"],
    ["the wrong delimiter", "a;b\n1;2", { delimiter: "," }, DataError, 'found "1;2"; is the delimiter ";"? pass { delimiter: ";" }'],
    ["a value beyond float32", "a\n1e39", undefined, DataError, 'line 2, column "a" (index 0): 1e39 is outside the float32 range'],
    ["an unclosed quote", 'a,b\n1,"2\n3,4\n', undefined, DataError, `line 2: a quoted field is never closed`],
    ["text after a closing quote", 'a,b\n"1"x,2', undefined, DataError, 'line 2, field 1: expected the delimiter or a line break after a closing quote, found "x"'],
    ["an unknown column", "a,b\n1,2", { columns: ["c"] }, DataError, 'column "c" not found; the header has "a", "b"'],
    ["an ambiguous column", "a,b,a\n1,2,3", { columns: ["a"] }, DataError, 'appears twice in the header (indices 0 and 2)'],
    ["an index out of range", "a,b\n1,2", { columns: [2] }, DataError, "column index 2 is out of range: the file has 2 columns (indices 0 to 1)"],
    ["a name without a header", "1,2\n3,4", { columns: ["a"] }, DataError, "the file has no header row"],
    ["a fractional index", "1,2", { columns: [0.5] }, ConfigError, "expected an integer column index, found 0.5"],
    ["a long delimiter", "1,2", { delimiter: ", " }, ConfigError, 'one-character delimiter other than a quote or line break, found ", "'],
    ["a quote delimiter", "1,2", { delimiter: '"' }, ConfigError, "one-character delimiter"],
    ["a bad header option", "1,2", { header: "yes" as unknown as boolean }, ConfigError, 'header to be true, false or "auto", found "yes"'],
  ])("refuses %s", (_, text, options, type, fragment) => refuses(text, options, type, fragment));

  it.each([
    ["1e400", "1e400"],
    ["-1e400", "-1e400"],
    ["a 400-digit integer", "9".repeat(400)],
    ["a 400-digit negative fraction", `-${"9".repeat(400)}.5`],
  ])("refuses %s as outside the float32 range, like 1e39", (_, value) => {
    refuses(`a\n1\n${value}`, undefined, DataError, 'line 3, column "a" (index 0): ');
    refuses(`a\n1\n${value}`, undefined, DataError, "is outside the float32 range (±3.4028235e38)");
    expect(() => readCsv(`a\n${value}`)).toThrow(/^.{0,200}$/);
  });

  it("reads spelled-out infinities and huge values that float32 holds", () => {
    expect(table("a\ninf\n-Infinity\n3.4e38\n1e-400")).toEqual({ data: [Infinity, -Infinity, Math.fround(3.4e38), 0], shape: [4, 1], columns: ["a"] });
  });

  // A backtracking number regex took seconds (quadratic) on such fields; no time is asserted here, the test
  // only has to finish within the suite's timeout.
  it("refuses a 300,000-digit field that ends in a letter, quoting it within a bound", () => {
    for (const field of ["1".repeat(300_000) + "x", "1".repeat(300_000) + "e", `.${"5".repeat(300_000)}e+`, "1".repeat(300_000) + ",5"]) {
      refuses(`a;b\n${field};1`, undefined, DataError, 'line 2, column "a" (index 0): expected a number, found "');
    }
    expect(() => readCsv(`a\n${"1".repeat(300_000)}x`)).toThrow(/^.{0,200}$/);
  });

  it("quotes hostile header names and values within a bound", () => {
    const name = "n".repeat(50_000);
    expect(() => readCsv(`${name}\nx`)).toThrow(/^line 2, column "nnn.{0,200}$/);
    expect(() => readCsv(`${name},b\n1,2`, { columns: ["c".repeat(50_000)] })).toThrow(/^readCsv: column "ccc.{0,600}$/);
    const many = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(",");
    expect(() => readCsv(`${many}\n${many.replace(/c/g, "1")}`, { columns: ["x"] })).toThrow(/\(10000 columns\)$/);
  });

  it("refuses a line with more fields than maxColumns before keeping them", () => {
    refuses("1,2,3\n4,5,6", { maxColumns: 2 }, DataError, "line 1 has more than 2 fields (maxColumns); pass a larger maxColumns to read it");
    expect(table("1,2,3\n4,5,6", { maxColumns: 3 }).shape).toEqual([2, 3]);
    // One 2^20 + 1-field line: refused at the default, with no table allocated for it.
    refuses("1,".repeat(2 ** 20) + "1", undefined, DataError, "line 1 has more than 1048576 fields");
    refuses("1", { maxColumns: 0 }, ConfigError, "expected maxColumns to be a positive integer, found 0");
  });

  it("reads one wide line exactly", () => {
    const values = randomArray(100_003, 9, -10, 10);
    const t = readCsv(Array.from(values).join(","));
    expect(t.shape).toEqual([1, 100_003]);
    expect(t.data).toEqual(values);
  });

  it("skips skipRows lines before the header or the first row", () => {
    expect(table("# exported\nby hand\na,b\n1,2", { skipRows: 2 })).toEqual({ data: [1, 2], shape: [1, 2], columns: ["a", "b"] });
    expect(table("x\n\n1,2\n3,4", { skipRows: 1 })).toEqual({ data: [1, 2, 3, 4], shape: [2, 2], columns: ["0", "1"] });
    // An explicit skipRows turns the count-line check off.
    refuses("1,2,x\n1,2", { skipRows: 0 }, ShapeError, "line 2 has 2 fields, expected 3 like line 1");
    expect(table("1,2,x\n1,2")).toEqual({ data: [1, 2], shape: [1, 2], columns: ["0", "1"] });
    refuses("1", { skipRows: -1 }, ConfigError, "expected skipRows to be a non-negative integer, found -1");
  });

  it.each<[string, string, { data: number[]; shape: [number, number]; columns: string[] }]>([
    ["with class names", "2,2,no,yes\n1,2,0\n3,4,1", { data: [1, 2, 0, 3, 4, 1], shape: [2, 3], columns: ["0", "1", "2"] }],
    ["as wide as its rows", "2,2,x\n1,2,0\n3,4,1", { data: [1, 2, 0, 3, 4, 1], shape: [2, 3], columns: ["0", "1", "2"] }],
    ["padded, above a header", "1,2,,\na,b,t\n1,2,0", { data: [1, 2, 0], shape: [1, 3], columns: ["a", "b", "t"] }],
    ["without a target column", "1,2,x\n5,6", { data: [5, 6], shape: [1, 2], columns: ["0", "1"] }],
  ])("skips a count line %s", (_, text, expected) => expect(table(text)).toEqual(expected));

  it("keeps count-like lines that are data", () => {
    expect(table("4,3,1\n1,2,3").shape).toEqual([2, 3]);
    expect(table("7,1,x").columns).toEqual(["7", "1", "x"]);
    refuses("1,2,3\n4,5", undefined, ShapeError, "line 2 has 2 fields, expected 3 like line 1");
    refuses("4,3\n1,2,3", undefined, ShapeError, "line 2 has 3 fields, expected 2 like line 1");
    // Followed by rows of another width: a header, and the ragged row is refused.
    refuses("4,3,x\n1,2,3,4,5,6", undefined, ShapeError, "line 2 has 6 fields, expected 3 like line 1");
  });

  it("reads scikit-learn's bundled breast_cancer.csv, iris.csv and boston_house_prices.csv as sklearn does", () => {
    // The files and the reference values come from Debian's python3-sklearn through /usr/bin/python3.
    const script = [
      "import json, os, numpy as np, sklearn.datasets as d",
      "root = os.path.join(os.path.dirname(d.__file__), 'data')",
      "out = {}",
      "for name, load in [('breast_cancer', d.load_breast_cancer), ('iris', d.load_iris)]:",
      "    b = load()",
      "    out[name] = [os.path.join(root, name + '.csv'), np.column_stack([b.data, b.target]).astype(np.float32).astype(float).ravel().tolist()]",
      "out['boston_house_prices'] = [os.path.join(root, 'boston_house_prices.csv'), None]",
      "print(json.dumps(out))",
    ].join("\n");
    const run = spawnSync("/usr/bin/python3", ["-c", script], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const files = JSON.parse(run.stdout) as Record<string, [string, number[] | null]>;
    const cancer = readCsv(readFileSync(files.breast_cancer![0], "utf8"));
    expect(cancer.shape).toEqual([569, 31]);
    expect(Array.from(cancer.data)).toEqual(files.breast_cancer![1]);
    const iris = readCsv(readFileSync(files.iris![0], "utf8"));
    expect(iris.shape).toEqual([150, 5]);
    expect(Array.from(iris.data)).toEqual(files.iris![1]);
    const boston = readCsv(readFileSync(files.boston_house_prices![0], "utf8"));
    expect(boston.shape).toEqual([506, 14]);
    expect(boston.columns.slice(0, 3)).toEqual(["CRIM", "ZN", "INDUS"]);
  });

  it("refuses bytes instead of text", () => {
    expect(() => readCsv(new Uint8Array(2) as unknown as string)).toThrow("found a Uint8Array (decode it first");
  });

  it("returns empty tables for empty text and a header alone", () => {
    expect(table("")).toEqual({ data: [], shape: [0, 0], columns: [] });
    expect(table("\n\n")).toEqual({ data: [], shape: [0, 0], columns: [] });
    expect(table("a,b\n")).toEqual({ data: [], shape: [0, 2], columns: ["a", "b"] });
  });

  it("reads a large table exactly", () => {
    const rows = 1027;
    const cols = 7;
    const values = randomArray(rows * cols, 5, -1e3, 1e3);
    const lines = [Array.from({ length: cols }, (_, j) => `c${j}`).join(",")];
    for (let r = 0; r < rows; r++) lines.push(Array.from(values.subarray(r * cols, (r + 1) * cols)).join(","));
    const t = readCsv(lines.join("\r\n"));
    expect(t.shape).toEqual([rows, cols]);
    expect(t.data).toEqual(values);
  });
});
