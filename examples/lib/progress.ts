// A one-line progress bar on stderr: epoch, loss, val loss, samples/s, time left.

const BAR = 24;

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--";
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export class ProgressBar {
  private readonly started = performance.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDraw = 0;

  constructor(private readonly label: string, private readonly epochs: number) {}

  /** Redraws at most ~10 times a second (always on a TTY; once per epoch otherwise). */
  update(epoch: number, samples: number, epochSamples: number, loss: number, samplesPerSecond: number, valLoss?: number): void {
    const now = performance.now();
    if (this.tty && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    if (!this.tty) return;
    process.stderr.write(`\r${this.line(epoch, samples, epochSamples, loss, samplesPerSecond, valLoss)}\x1b[K`);
  }

  /** Prints the line for a finished epoch and keeps it. */
  epochDone(epoch: number, epochSamples: number, loss: number, samplesPerSecond: number, valLoss?: number): void {
    process.stderr.write(`${this.tty ? "\r" : ""}${this.line(epoch, epochSamples, epochSamples, loss, samplesPerSecond, valLoss)}${this.tty ? "\x1b[K" : ""}\n`);
  }

  private line(epoch: number, samples: number, epochSamples: number, loss: number, rate: number, valLoss?: number): string {
    const done = (epoch + samples / epochSamples) / this.epochs;
    const filled = Math.round(done * BAR);
    const elapsed = (performance.now() - this.started) / 1000;
    const left = done > 0 ? (elapsed * (1 - done)) / done : Infinity;
    const val = valLoss === undefined ? "" : `  val ${valLoss.toFixed(4)}`;
    return `${this.label} epoch ${String(epoch + 1).padStart(String(this.epochs).length)}/${this.epochs} [${"=".repeat(filled)}${" ".repeat(BAR - filled)}] loss ${loss.toFixed(4)}${val}  ${Math.round(rate).toLocaleString("en-US")} samples/s  left ${clock(left)}`;
  }
}
