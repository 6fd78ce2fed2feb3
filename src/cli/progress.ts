/// <reference types="node" />
// A one-line progress bar: epoch, loss, val loss, samples/s, time left. On a
// TTY it redraws in place (at most ~10 times a second) and keeps one line per
// finished epoch; elsewhere (a pipe, a CI log) it prints only those lines.

const BAR = 24;

/** What the bar writes to: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Seconds as "42s" or "3m07s"; "--" when unknown. */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--";
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export class ProgressBar {
  private readonly started = performance.now();
  private readonly tty: boolean;
  private lastDraw = 0;

  constructor(private readonly label: string, private readonly epochs: number, private readonly stream: ProgressStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Redraws the current epoch's line (on a TTY only). */
  update(epoch: number, samples: number, epochSamples: number, loss: number, samplesPerSecond: number, valLoss?: number): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.stream.write(`\r${this.line(epoch, samples, epochSamples, loss, samplesPerSecond, valLoss)}\x1b[K`);
  }

  /** Prints the line for a finished epoch and keeps it. */
  epochDone(epoch: number, epochSamples: number, loss: number, samplesPerSecond: number, valLoss?: number): void {
    const line = this.line(epoch, epochSamples, epochSamples, loss, samplesPerSecond, valLoss);
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  private line(epoch: number, samples: number, epochSamples: number, loss: number, rate: number, valLoss?: number): string {
    const done = Math.min(1, (epoch + samples / Math.max(epochSamples, 1)) / this.epochs);
    const filled = Math.round(done * BAR);
    const elapsed = (performance.now() - this.started) / 1000;
    const left = done > 0 ? (elapsed * (1 - done)) / done : Infinity;
    const val = valLoss === undefined ? "" : `  val ${valLoss.toFixed(4)}`;
    const epochText = `${String(epoch + 1).padStart(String(this.epochs).length)}/${this.epochs}`;
    return `${this.label} epoch ${epochText} [${"=".repeat(filled)}${" ".repeat(BAR - filled)}] loss ${loss.toFixed(4)}${val}  ${Math.round(rate).toLocaleString("en-US")} samples/s  left ${clock(left)}`;
  }
}
