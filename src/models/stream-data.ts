// Training data that arrives as a stream (tfjs fitDataset, Keras generators,
// PyTorch DataLoader): an async iterable of batches or of single samples,
// turned into the batches the training loop consumes. Samples go through a
// seeded shuffle buffer of a given size (tfjs's dataset.shuffle(bufferSize)),
// so the same stream, buffer size and seed give the same batches. Only the
// buffer, one batch and the item being read are held at once.
import { ConfigError, DataError, describe } from "../errors.js";
import { keysOf } from "../options.js";
import { Tensor } from "../ops/tensor.js";
import { getEngine } from "../wasm/module.js";
import { toBatch, type Batch, type DataInput } from "./data.js";
import { MODEL_FIT_KEYS, type EpochBatch, type FitData, type FitOptions, type LossParts, type Trainable, type TrainingData } from "./fit.js";
import { STREAM } from "../ops/streams.js";
import { shapeText, sizeOf } from "../shape.js";

/** One item of a stream: a batch (rows of numbers, or { data, shape: [n, ...sample shape] }) or one sample's values. */
export type StreamItem = DataInput | readonly number[] | Float32Array;

/** What iterating a source gives: an async iterable or iterator of items, or a sync iterable of them. */
type Pass = AsyncIterable<StreamItem> | AsyncIterator<StreamItem> | Iterable<StreamItem>;

/**
 * Streamed data for `fit`: a function returning a new iterable per pass (an epoch), an object whose
 * [Symbol.asyncIterator] makes a new iterator per call (such as streamCsv(path)), or an async iterator that
 * can be read once (an async generator object).
 */
export type SampleStream = AsyncIterable<StreamItem> | (() => Pass);

/** fit's options for streamed data (ignored for data held in memory, except where noted). */
export interface StreamFitOptions {
  /**
   * Streamed data only: samples held in the shuffle buffer. Each sample read replaces one drawn at random
   * from the buffer (seeded by the model's seed and epoch), as tfjs's dataset.shuffle(bufferSize); the rest
   * are drawn in random order at the end of the stream. At most 2^21. Default 0: the stream's order.
   */
  shuffleBuffer?: number;
  /** Streamed data only: batches per epoch. The stream is then read on across epochs (reopened at its end when it can be). Default: one pass per epoch. */
  stepsPerEpoch?: number;
  /** Streamed validation data only: batches of it per evaluation. Default: all of it. */
  validationSteps?: number;
}

export const STREAM_FIT_KEYS = /* @__PURE__ */ keysOf<StreamFitOptions>({ shuffleBuffer: true, stepsPerEpoch: true, validationSteps: true });

/** The options of a model's fit: FitOptions, the stream options, and validation data (arrays, or a stream with streamed x). */
export type ModelFitOptions = FitOptions &
  StreamFitOptions & {
    /** Held-out data evaluated after each epoch (valLoss): arrays, or a stream when x is streamed. Default: none (or validationSplit). */
    validationData?: DataInput | SampleStream;
  };

/** Every key of ModelFitOptions, for the unknown-key check. */
export const MODEL_STREAM_FIT_KEYS: readonly string[] = [...MODEL_FIT_KEYS, ...STREAM_FIT_KEYS];

/**
 * A model's fit data: arrays held in memory (made into rows by `batchOf`), or a stream. With streamed x,
 * validation arrays are read as a stream of one batch; streamed validation data needs streamed x.
 */
export function fitDataOf(x: DataInput | SampleStream, options: ModelFitOptions, sampleShape: readonly number[], batchOf: (d: DataInput, what: string) => Batch): FitData | TrainingData {
  const validation = options.validationData;
  if (isSampleStream(x)) {
    const epochs = options.epochs ?? 1;
    if (readOnce(x) && typeof epochs === "number" && epochs > 1 && options.stepsPerEpoch === undefined) {
      throw new ConfigError(
        `fit: x is an iterator that can be read once, and ${epochs} epochs need ${epochs} passes; pass a function returning a new one (() => gen()) or an object whose [Symbol.asyncIterator] makes a new iterator (such as streamCsv(path)), or set stepsPerEpoch to read it on across epochs`,
      );
    }
    if (validation !== undefined && readOnce(validation) && typeof epochs === "number" && epochs > 1) {
      throw new ConfigError("fit: validationData is an iterator that can be read once, and it is read after every epoch; pass a function returning a new one");
    }
    const v = validation === undefined || isSampleStream(validation) ? validation : () => [validation];
    return new StreamTraining(x, v, sampleShape, options);
  }
  checkNoStreamOptions(options);
  if (isSampleStream(validation)) throw new ConfigError("fit: validationData is a stream but x is held in memory; stream x too, or pass validationData as arrays");
  return { x: batchOf(x, "fit x"), validation: validation === undefined ? undefined : { x: batchOf(validation, "validationData") } };
}

// Draws in [0, k) are floor(word · k / 2^32), exact in float64 while k ≤ 2^21 (a 32-bit word times 21 bits).
const MAX_SHUFFLE_BUFFER = 2 ** 21;

/** Whether `x` is streamed data rather than arrays: a function, or an object with Symbol.asyncIterator. */
export function isSampleStream(x: unknown): x is SampleStream {
  return typeof x === "function" || (typeof x === "object" && x !== null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function");
}

const optionalCount = (value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`fit: expected ${name} to be an integer in [${min}, ${max}], found ${describe(value)}`);
  }
  return value;
};

/** An iterator (an async generator object, or any object with next): iterating it again goes on where it stopped. */
function readOnce(x: unknown): boolean {
  return typeof x === "object" && x !== null && typeof (x as AsyncIterator<unknown>).next === "function";
}

/** Refuses the stream options with data held in memory, where they mean nothing. */
export function checkNoStreamOptions(options: StreamFitOptions): void {
  for (const key of STREAM_FIT_KEYS) {
    if ((options as Record<string, unknown>)[key] !== undefined) throw new ConfigError(`fit: ${key} applies to streamed data; x is held in memory (use shuffle and batchSize)`);
  }
}

/** The passes over a source: a new iterator each time, or the one iterator of a source that can be read once. */
class Passes {
  private used = false;
  constructor(private readonly source: SampleStream, private readonly what: string) {}

  open(): AsyncIterator<StreamItem> | Iterator<StreamItem> {
    const source = this.source as unknown;
    const made = typeof source === "function" ? (source as () => Pass)() : source;
    const iterator = iteratorOf(made, this.what);
    // An async generator object is its own iterator: reading it again would find it finished.
    if (iterator === made && typeof source !== "function") {
      if (this.used) {
        throw new ConfigError(
          `${this.what}: this stream can be read once and was read to its end; for more passes pass a function returning a new one (() => gen()) or an object whose [Symbol.asyncIterator] makes a new iterator, such as streamCsv(path)`,
        );
      }
    }
    this.used = true;
    return iterator;
  }
}

function iteratorOf(made: unknown, what: string): AsyncIterator<StreamItem> | Iterator<StreamItem> {
  if (typeof made === "object" && made !== null) {
    const asyncMaker = (made as AsyncIterable<StreamItem>)[Symbol.asyncIterator];
    if (typeof asyncMaker === "function") return asyncMaker.call(made);
    const syncMaker = (made as Iterable<StreamItem>)[Symbol.iterator];
    if (typeof syncMaker === "function" && !Array.isArray(made)) return syncMaker.call(made);
    if (Array.isArray(made)) return (made as StreamItem[])[Symbol.iterator]();
    if (typeof (made as AsyncIterator<StreamItem>).next === "function") return made as AsyncIterator<StreamItem>;
  }
  throw new ConfigError(`${what}: expected the stream function to return an async iterable, an iterable or an iterator of batches or samples, found ${describe(made)}`);
}

/** The samples of one pass, a row at a time, from items that are batches or single samples. */
class PassReader {
  private item: Batch | null = null;
  private row = 0;
  /** Samples read from this pass so far (the index of the next one). */
  count = 0;
  ended = false;

  constructor(private readonly iterator: AsyncIterator<StreamItem> | Iterator<StreamItem>, private readonly sampleShape: readonly number[], private readonly cols: number, private readonly what: string) {}

  /** Rows ready without waiting for the stream. */
  get ready(): number {
    return this.item ? this.item.rows - this.row : 0;
  }

  /** Waits for the next item with at least one row; false at the end of the pass. */
  async pull(): Promise<boolean> {
    while (this.ready === 0) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.item = this.batchOf(next.value);
      this.row = 0;
    }
    return true;
  }

  /** Copies up to n ready rows to dst at row `at`; returns how many. */
  take(dst: Float32Array, at: number, n: number): number {
    const rows = Math.min(n, this.ready);
    const cols = this.cols;
    dst.set(this.item!.data.subarray(this.row * cols, (this.row + rows) * cols), at * cols);
    this.row += rows;
    this.count += rows;
    return rows;
  }

  close(): void {
    if (!this.ended) void Promise.resolve(this.iterator.return?.()).catch(() => undefined);
  }

  private batchOf(value: unknown): Batch {
    const where = `${this.what} (item after sample ${this.count} of the stream)`;
    const isSample = value instanceof Float32Array || (Array.isArray(value) && (value.length === 0 || typeof value[0] === "number"));
    if (!isSample) return toBatch(value as DataInput, this.sampleShape, where);
    const sample = value as Float32Array | number[];
    if (sample.length !== this.cols) {
      throw new DataError(`${where}: expected a sample of ${this.cols} values (shape ${shapeText(this.sampleShape)}) or a batch, found ${sample.length} values`);
    }
    return { data: sample instanceof Float32Array ? sample : Float32Array.from(sample), rows: 1, cols: this.cols };
  }
}

/** Uniform draws in [0, k) from Philox4x32-10 keyed by (seed, STREAM.shuffleBuffer), counter (draw / 4, epoch, pass, 0). */
class Draws {
  private readonly ptr: number;
  private index = 0;
  constructor(private readonly seed: number, private readonly epoch: number, private readonly pass: number) {
    this.ptr = getEngine().arena.alloc(16, "the shuffle buffer's random words");
  }

  below(k: number): number {
    const { arena, kernels } = getEngine();
    const word = this.index & 3;
    if (word === 0) kernels.u32_philox4x32(this.ptr, this.index >>> 2, this.epoch, this.pass, 0, this.seed, STREAM.shuffleBuffer);
    this.index++;
    return Math.floor((arena.u32[(this.ptr >>> 2) + word]! / 4294967296) * k);
  }

  free(): void {
    getEngine().arena.free(this.ptr);
  }
}

/**
 * A pass's samples in shuffled order: the buffer fills with the first `size` samples; then each sample read
 * replaces one drawn from the buffer, which is handed on; at the end the rest are handed on in drawn order.
 */
class ShuffledPass {
  private readonly buffer: Float32Array;
  private readonly origin: Float64Array;
  private held = 0;

  constructor(private readonly reader: PassReader, private readonly size: number, private readonly cols: number, private readonly draws: Draws) {
    this.buffer = new Float32Array(size * cols);
    this.origin = new Float64Array(size);
  }

  /** Writes one sample to dst at row `at` and returns its index in the pass, or -1 at the end of the pass. */
  async next(dst: Float32Array, at: number): Promise<number> {
    const { reader, cols } = this;
    while (this.held < this.size && (reader.ready > 0 || (await reader.pull()))) {
      this.origin[this.held] = reader.count;
      reader.take(this.buffer, this.held++, 1);
    }
    if (this.held === 0) return -1;
    const full = this.held === this.size && (reader.ready > 0 || (await reader.pull()));
    const j = this.draws.below(this.held);
    dst.set(this.buffer.subarray(j * cols, (j + 1) * cols), at * cols);
    const origin = this.origin[j]!;
    if (full) {
      this.origin[j] = reader.count;
      reader.take(this.buffer, j, 1);
    } else {
      const last = --this.held;
      this.buffer.copyWithin(j * cols, last * cols, (last + 1) * cols);
      this.origin[j] = this.origin[last]!;
    }
    return origin;
  }
}

interface OpenPass {
  reader: PassReader;
  shuffled: ShuffledPass | null;
  draws: Draws | null;
  number: number;
}

/** Streamed training (and optionally validation) data for the training loop; see TrainingData in fit.ts. */
export class StreamTraining implements TrainingData {
  epochSamples = 0;
  readonly hasValidation: boolean;
  private readonly passes: Passes;
  private readonly valPasses: Passes | null;
  private readonly cols: number;
  private readonly bufferSize: number;
  private readonly stepsPerEpoch: number | undefined;
  private readonly validationSteps: number | undefined;
  private pass: OpenPass | null = null;
  private passesThisEpoch = 0;

  constructor(x: SampleStream, validation: SampleStream | undefined, private readonly sampleShape: readonly number[], options: StreamFitOptions) {
    if (!isSampleStream(x)) throw new ConfigError(`fit: expected x to be a stream of batches or samples, found ${describe(x)}`);
    if (validation !== undefined && !isSampleStream(validation)) {
      throw new ConfigError(`fit: with streamed x, expected validationData to be a stream too, found ${describe(validation)}`);
    }
    this.cols = sizeOf(sampleShape);
    this.bufferSize = optionalCount(options.shuffleBuffer, "shuffleBuffer", 0, MAX_SHUFFLE_BUFFER) ?? 0;
    this.stepsPerEpoch = optionalCount(options.stepsPerEpoch, "stepsPerEpoch", 1);
    this.validationSteps = optionalCount(options.validationSteps, "validationSteps", 1);
    if (this.validationSteps !== undefined && validation === undefined) throw new ConfigError("fit: validationSteps needs streamed validationData");
    this.passes = new Passes(x, "fit x");
    this.valPasses = validation === undefined ? null : new Passes(validation, "validationData");
    this.hasValidation = validation !== undefined;
  }

  private openPass(model: Trainable, shuffle: boolean): OpenPass {
    const reader = new PassReader(this.passes.open(), this.sampleShape, this.cols, "fit x");
    const number = this.passesThisEpoch++;
    const draws = shuffle && this.bufferSize > 1 ? new Draws(model.seed, model.epochsTrained, number) : null;
    const shuffled = draws ? new ShuffledPass(reader, this.bufferSize, this.cols, draws) : null;
    return { reader, shuffled, draws, number };
  }

  private closePass(): void {
    this.pass?.reader.close();
    this.pass?.draws?.free();
    this.pass = null;
  }

  /** Fills up to `size` rows of `dst` from the open pass; returns the rows and their indices in the pass. */
  private async fill(dst: Float32Array, origin: Float64Array, size: number): Promise<number> {
    const pass = this.pass!;
    let rows = 0;
    while (rows < size) {
      if (pass.shuffled) {
        const at = await pass.shuffled.next(dst, rows);
        if (at < 0) break;
        origin[rows++] = at;
        continue;
      }
      if (pass.reader.ready === 0 && !(await pass.reader.pull())) break;
      const first = pass.reader.count;
      const n = pass.reader.take(dst, rows, size - rows);
      for (let k = 0; k < n; k++) origin[rows + k] = first + k;
      rows += n;
    }
    return rows;
  }

  async *batches(model: Trainable, epoch: number, batchSize: number, shuffle: boolean): AsyncGenerator<EpochBatch> {
    this.passesThisEpoch = 0;
    const data = new Float32Array(batchSize * this.cols);
    const origin = new Float64Array(batchSize);
    const steps = this.stepsPerEpoch;
    if (steps !== undefined) this.epochSamples = steps * batchSize;
    let seen = 0;
    try {
      if (steps === undefined || !this.pass) {
        this.closePass();
        this.pass = this.openPass(model, shuffle);
      }
      for (let step = 0; steps === undefined || step < steps; step++) {
        let rows = await this.fill(data, origin, batchSize);
        // With stepsPerEpoch the stream is read on as one endless sequence: a pass that ends is opened again.
        while (steps !== undefined && rows < batchSize) {
          this.closePass();
          this.pass = this.openPass(model, shuffle);
          const more = await this.fillPart(data, origin, rows, batchSize);
          if (more === 0) throw new DataError(`fit x: expected samples from a new pass over the stream, found none (epoch ${epoch + 1})`);
          rows += more;
        }
        if (rows === 0) break;
        const pass = this.pass!.number;
        seen += rows;
        const where = pass > 0 ? ` of pass ${pass + 1} in epoch ${epoch + 1}` : ` in epoch ${epoch + 1}`;
        yield { rows, tensor: () => this.tensor(data, origin, rows, "fit x", where) };
        if (rows < batchSize) break;
      }
      if (seen === 0) throw new DataError(`fit x: expected at least one sample, found a stream that yielded none (epoch ${epoch + 1})`);
      if (steps === undefined) {
        this.epochSamples = seen;
        this.closePass();
      }
    } catch (error) {
      this.closePass();
      throw error;
    }
  }

  /** fill() into rows [from, size) of dst. */
  private async fillPart(dst: Float32Array, origin: Float64Array, from: number, size: number): Promise<number> {
    const restData = new Float32Array(dst.buffer, dst.byteOffset + from * this.cols * 4, (size - from) * this.cols);
    const restOrigin = new Float64Array(origin.buffer, origin.byteOffset + from * 8, size - from);
    return this.fill(restData, restOrigin, size - from);
  }

  /** The batch in the step's scratch, refused with a DataError naming the stream's sample when it holds NaN or ±Infinity. */
  private tensor(data: Float32Array, origin: Float64Array, rows: number, what: string, where: string): Tensor {
    const { arena, kernels } = getEngine();
    const n = rows * this.cols;
    const ptr = arena.scratch(n * 4, `a streamed batch (${what})`);
    arena.write(ptr, data.subarray(0, n));
    const at = kernels.f32_first_nonfinite(ptr, n);
    if (at >= 0) {
      const row = Math.floor(at / this.cols);
      throw new DataError(`${what}: expected finite numbers, found ${data[at]} at sample ${origin[row]} of the stream${where}, feature ${at % this.cols}`);
    }
    return new Tensor(ptr, [rows, this.cols]);
  }

  /** Mean per-sample loss parts over the validation stream (one pass, or validationSteps batches), in inference mode. */
  async validate(model: Trainable, batchSize: number): Promise<LossParts | null> {
    if (!this.valPasses) return null;
    const { arena } = getEngine();
    const size = Math.max(batchSize, 256);
    const reader = new PassReader(this.valPasses.open(), this.sampleShape, this.cols, "validationData");
    const data = new Float32Array(size * this.cols);
    const origin = new Float64Array(size);
    const sums: Record<string, number> = {};
    let seen = 0;
    try {
      for (let step = 0; this.validationSteps === undefined || step < this.validationSteps; step++) {
        let rows = 0;
        while (rows < size && (reader.ready > 0 || (await reader.pull()))) {
          const first = reader.count;
          const n = reader.take(data, rows, size - rows);
          for (let k = 0; k < n; k++) origin[rows + k] = first + k;
          rows += n;
        }
        if (rows === 0) break;
        const firstRow = seen;
        arena.scoped(() => {
          const x = this.tensor(data, origin, rows, "validationData", "");
          // firstRow keys per-sample draws (a VAE's ε) by the sample's index, so the figure does not depend on the batch size.
          const parts = model.batchLoss(x, x, { tape: null, training: false, seed: model.seed, step: model.step, firstRow });
          for (const key of Object.keys(parts)) sums[key] = (sums[key] ?? 0) + parts[key]! * rows;
        });
        seen += rows;
        if (rows < size) break;
      }
    } finally {
      reader.close();
    }
    if (seen === 0) throw new DataError("validationData: expected at least one sample, found a stream that yielded none");
    const mean: LossParts = { loss: 0 };
    for (const key of Object.keys(sums)) mean[key] = sums[key]! / seen;
    return mean;
  }

  free(): void {
    this.closePass();
  }
}
