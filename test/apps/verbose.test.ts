// fit's `verbose` (Keras's 0/1/2): silent by default, one
// line per epoch at 2 (and at 1 off a terminal), a line updated in place by
// the batches at 1 on a terminal. The printed losses are the history's.
import { afterEach, describe, expect, test, vi } from "vitest";
import { Autoencoder, ConfigError, layers, Reducer } from "../../src/index.js";

const x = { data: Float32Array.from({ length: 40 * 4 }, (_, i) => ((i * 7) % 11) / 11), shape: [40, 4] };
const create = () => Autoencoder.create({ input: [4], encoder: [layers.dense(2, "tanh")], decoder: [layers.dense(4)], seed: 2 });

/**
 * What fit prints: console.log's lines, and with `tty` what it writes to a
 * terminal stream standing in for Node's console._stdout.
 */
function captureStdout(tty: boolean): string[] {
  const written: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void written.push(`${args.join(" ")}\n`));
  const stream = { isTTY: tty, write: (text: string) => written.push(text) };
  Object.defineProperty(console, "_stdout", { value: stream, configurable: true, writable: true });
  return written;
}

const original = Object.getOwnPropertyDescriptor(console, "_stdout");
afterEach(() => {
  vi.restoreAllMocks();
  if (original) Object.defineProperty(console, "_stdout", original);
  else delete (console as { _stdout?: unknown })._stdout;
});

describe("fit verbose", () => {
  test("the default prints nothing", async () => {
    const written = captureStdout(true);
    const ae = await create();
    await ae.fit(x, { epochs: 2, batchSize: 8 });
    ae.dispose();
    expect(written).toEqual([]);
  });

  test.each([
    [2, true],
    [2, false],
    [1, false],
  ] as const)("verbose %i (terminal: %s): one line per epoch with the history's losses", async (verbose, tty) => {
    const written = captureStdout(tty);
    const ae = await create();
    const history = await ae.fit(x, { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose });
    ae.dispose();
    const lines = written.join("").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(3);
    lines.forEach((line, epoch) => {
      expect(line).toMatch(new RegExp(`^Epoch ${epoch + 1}/3 - \\d+\\.\\d\\ds - loss: ${history.loss[epoch]!.toFixed(4)} - valLoss: ${history.valLoss[epoch]!.toFixed(4)}$`));
    });
  });

  test("verbose 1 on a terminal: the batches redraw the epoch's line in place, which ends complete", async () => {
    const written = captureStdout(true);
    const ae = await create();
    const history = await ae.fit(x, { epochs: 2, batchSize: 8, verbose: 1 });
    ae.dispose();
    const text = written.join("");
    expect(text.split("\n")).toHaveLength(3);
    expect(written.some((w) => /^\rEpoch 1\/2 \[=*>\.*\] \d+\/40 - loss: \d+\.\d{4}\x1b\[K$/.test(w))).toBe(true);
    const finals = written.filter((w) => w.endsWith("\n"));
    expect(finals).toEqual([0, 1].map((e) => expect.stringMatching(new RegExp(`^\\rEpoch ${e + 1}/2 \\[={30}\\] 40/40 - \\d+\\.\\d\\ds - loss: ${history.loss[e]!.toFixed(4)}\\x1b\\[K\\n$`))));
  });

  test("the estimators pass it through; other values are a ConfigError", async () => {
    const written = captureStdout(false);
    const reducer = new Reducer({ epochs: 2, batchSize: 8, verbose: 2, seed: 1 });
    await reducer.fit(x);
    reducer.dispose();
    expect(written.join("").split("\n").filter((l) => l.startsWith("Epoch "))).toHaveLength(2);
    const ae = await create();
    await expect(ae.fit(x, { verbose: 3 as 1 })).rejects.toThrow(ConfigError);
    await expect(ae.fit(x, { verbose: "auto" as unknown as 1 })).rejects.toThrow(/fit verbose: expected 0 \(silent\), 1 .* or 2 .*, found "auto"/);
    ae.dispose();
  });
});
