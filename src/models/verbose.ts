// fit's `verbose`, as Keras's: 0 silent (the default), 1 a progress line per
// epoch that batches update in place on a terminal (one line per epoch
// elsewhere, where a carriage return would only pile up), 2 one line per epoch.
// Lines go to console.log. The in-place line needs a stream: Node's console
// holds its stdout as `_stdout`, used when it is a terminal. The core names no
// Node global (the bundles run on edge runtimes: test/runtimes/edge.test.ts),
// and where there is no such stream, verbose 1 prints one line per epoch.
import { ConfigError, describe } from "../errors.js";
import type { BatchLogs, EpochLogs, FitOptions } from "./fit.js";

/** fit's `verbose`, as Keras's: 0 silent (the default), 1 a progress line per epoch updated in place on a terminal, 2 one line per epoch. */
export type Verbosity = 0 | 1 | 2;

/** Where progress is written; `tty` allows rewriting the current line. */
export interface ProgressSink {
  write(text: string): void;
  tty: boolean;
}

/** Shortest time between two in-place updates of the line, in ms (a terminal needs no more). */
const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export function checkVerbose(verbose: unknown): Verbosity {
  if (verbose === undefined) return 0;
  if (verbose === 0 || verbose === 1 || verbose === 2) return verbose;
  throw new ConfigError(`fit verbose: expected 0 (silent), 1 (a progress line per epoch) or 2 (one line per epoch), found ${describe(verbose)}`);
}

function defaultSink(): ProgressSink {
  type Stream = { write?: (text: string) => unknown; isTTY?: boolean };
  const stream = (console as { _stdout?: Stream })._stdout;
  if (stream && typeof stream.write === "function" && stream.isTTY === true) return { write: (text) => void stream.write!(text), tty: true };
  return { write: (text) => console.log(text.replace(/\n$/, "")), tty: false };
}

/** "loss: 0.1234 - valLoss: 0.2345 - kl: …" from an epoch's logs (timings left out). */
function lossText(logs: Partial<EpochLogs>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(logs)) {
    if (key === "seconds" || key === "samplesPerSecond" || typeof value !== "number") continue;
    parts.push(`${key}: ${value.toFixed(4)}`);
  }
  return parts.join(" - ");
}

function bar(done: number, total: number): string {
  const filled = Math.min(BAR_WIDTH, Math.floor((BAR_WIDTH * done) / Math.max(total, 1)));
  return filled >= BAR_WIDTH ? `[${"=".repeat(BAR_WIDTH)}]` : `[${"=".repeat(filled)}>${".".repeat(BAR_WIDTH - filled - 1)}]`;
}

/**
 * The options with their callbacks wrapped to print progress at `verbose`
 * (unchanged at 0). The user's callbacks run first, as given.
 */
export function withProgress(options: FitOptions, epochs: number, sink: ProgressSink = defaultSink()): FitOptions {
  const verbose = checkVerbose(options.verbose);
  if (verbose === 0) return options;
  const live = verbose === 1 && sink.tty;
  const width = String(epochs).length;
  const head = (epoch: number) => `Epoch ${String(epoch + 1).padStart(width)}/${epochs}`;
  const { onBatchEnd, onEpochEnd } = options;
  let lastDraw = -Infinity;
  let samples = 0;
  const wrapped: FitOptions = {
    ...options,
    onEpochEnd: async (epoch, logs) => {
      await onEpochEnd?.(epoch, logs);
      const line = `${head(epoch)}${live ? ` ${bar(1, 1)} ${samples}/${samples}` : ""} - ${logs.seconds.toFixed(2)}s - ${lossText(logs)}`;
      sink.write(live ? `\r${line}\x1b[K\n` : `${line}\n`);
      lastDraw = -Infinity;
    },
  };
  if (live) {
    wrapped.onBatchEnd = async (batch, logs: BatchLogs) => {
      await onBatchEnd?.(batch, logs);
      samples = logs.epochSamples;
      const time = Date.now();
      if (time - lastDraw < REDRAW_MS && logs.samples < logs.epochSamples) return;
      lastDraw = time;
      sink.write(`\r${head(logs.epoch)} ${bar(logs.samples, logs.epochSamples)} ${logs.samples}/${logs.epochSamples} - loss: ${logs.loss.toFixed(4)}\x1b[K`);
    };
  }
  return wrapped;
}
