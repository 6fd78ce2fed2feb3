// Classifiers for tagging samples from few labels, typically on learned codes
// (FeatureExtractor): k-nearest neighbours and multinomial logistic
// regression, with scikit-learn's surface (fit(X, y), predict, predictProba,
// score, classes). Distances and logits run through gemm and the kernels of
// assembly/apps.ts; TypeScript only counts votes.
import { AutoencoderError, ConfigError, DataError, describe, DisposedError, ShapeError } from "../errors.js";
import { assertFinite, tensorOut, toBatch, type Batch, type DataInput, type TensorData } from "../models/data.js";
import { createOptimizer, type OptimizerConfig } from "../optim/optimizer.js";
import { getEngine, init, type Engine } from "../wasm/module.js";
import { shapeText } from "../shape.js";
import { nearestBlocks } from "./nearest.js";

/** Class labels: integers, e.g. a Uint8Array of digits. */
export type Labels = ArrayLike<number>;

/** The per-sample shape of x: inner dimensions of a tensor, or the length of the first row. */
function sampleShapeOf(x: DataInput, what: string): number[] {
  const shape = Array.isArray(x) ? [x.length, Array.isArray(x[0]) ? (x[0] as readonly number[]).length : 0] : (x as { shape?: number[] })?.shape;
  if (!Array.isArray(shape) || shape.length < 2) throw new ShapeError(`${what}: expected samples × features, found ${Array.isArray(shape) ? `shape ${shapeText(shape)}` : String(x)}`);
  return shape.slice(1);
}

/** x flattened to samples × features, checked against the sample shape of fit when known. */
function featuresOf(x: DataInput, sampleShape: readonly number[] | null, what: string): Batch & { sampleShape: readonly number[] } {
  const shape = sampleShape ?? sampleShapeOf(x, what);
  const batch = toBatch(x, shape, what);
  if (batch.cols === 0) throw new DataError(`${what}: expected at least one feature, found none`);
  return { ...batch, sampleShape: shape };
}

/** Sorted distinct labels and each sample's index among them (u32). */
function encodeLabels(y: Labels, rows: number): { classes: number[]; index: Uint32Array } {
  if (!y || typeof y.length !== "number") throw new ShapeError(`y: expected an array of integer labels, found ${describe(y)}`);
  if (y.length !== rows) throw new ShapeError(`y: expected one label per sample (${rows}), found ${y.length}`);
  for (let i = 0; i < rows; i++) {
    if (!Number.isInteger(y[i])) throw new DataError(`y: expected integer labels, found ${describe(y[i])} at index ${i}`);
  }
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  const position = new Map(classes.map((c, i) => [c, i]));
  return { classes, index: Uint32Array.from(y, (v) => position.get(v)!) };
}

/** Share of predictions equal to the labels. */
function accuracy(predicted: Int32Array, y: Labels): number {
  if (!y || y.length !== predicted.length) throw new ShapeError(`y: expected ${predicted.length} labels, found ${y?.length}`);
  let hits = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === y[i]) hits++;
  return hits / predicted.length;
}

/** What KNeighborsClassifier.kneighbors returns: for each query row, its k nearest training samples. */
export interface Neighbors {
  /** Indices of the training samples, row-major [N, k], nearest first. */
  indices: Uint32Array;
  /** Their Euclidean distances, in the same order. */
  distances: Float32Array;
  /** [N, k]. */
  shape: [number, number];
}

/** Options of KNeighborsClassifier. */
export interface KNeighborsOptions {
  /** Neighbours that vote. Default 5. */
  k?: number;
}

/** Bytes of distance matrix computed at once; queries are processed in row blocks of this size. */
const DISTANCE_BLOCK_BYTES = 16 << 20;

/**
 * k-nearest-neighbour classification by Euclidean distance, computed as
 * ‖a‖² + ‖b‖² − 2a·b with gemm. Neighbours at equal distance are taken in
 * training order; a tie in the vote goes to the smallest class label
 * (scikit-learn's uniform weights).
 */
export class KNeighborsClassifier {
  /** Neighbours that vote. */
  readonly k: number;
  private fitted_: { engine: Engine; x: number; norms: number; rows: number; cols: number; sampleShape: readonly number[]; labels: Uint32Array; classes: number[] } | null = null;
  private disposed = false;

  constructor(options: KNeighborsOptions = {}) {
    const k = options?.k ?? 5;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`k: expected a positive integer, found ${describe(k)}`);
    this.k = k;
  }

  /** Stores the training samples (in wasm memory) and their labels. */
  async fit(x: DataInput, y: Labels): Promise<this> {
    const engine = await init();
    this.assertLive();
    const batch = featuresOf(x, null, "x");
    const { classes, index } = encodeLabels(y, batch.rows);
    if (this.k > batch.rows) throw new ConfigError(`k: expected at most the number of training samples (${batch.rows}), found ${this.k}`);
    const { kernels: kn, arena } = engine;
    const xPtr = arena.alloc(batch.data.length * 4);
    arena.write(xPtr, batch.data);
    try {
      assertFinite(engine, xPtr, batch.rows, batch.cols, "x");
    } catch (error) {
      arena.free(xPtr);
      throw error;
    }
    const norms = arena.alloc(batch.rows * 4);
    kn.f32_row_sum_squares(norms, xPtr, batch.rows, batch.cols);
    this.release();
    this.fitted_ = { engine, x: xPtr, norms, rows: batch.rows, cols: batch.cols, sampleShape: batch.sampleShape, labels: index, classes };
    return this;
  }

  /** The sorted distinct training labels (scikit-learn's classes_). */
  get classes(): number[] {
    return [...this.state().classes];
  }

  /** The k nearest training samples of each row of x: indices [N, k] and Euclidean distances, nearest first. */
  kneighbors(x: DataInput): Neighbors {
    const s = this.state();
    const batch = featuresOf(x, s.sampleShape, "x");
    const k = this.k;
    const indices = new Uint32Array(batch.rows * k);
    const distances = new Float32Array(batch.rows * k);
    const reference = { ptr: s.x, norms: s.norms, rows: s.rows, cols: s.cols };
    const check = (q: number, rows: number) => assertFinite(s.engine, q, rows, s.cols, "x");
    nearestBlocks(s.engine, reference, batch.data, k, DISTANCE_BLOCK_BYTES, ({ start, rows, found, squared }) => {
      indices.set(found, start * k);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < k; j++) distances[(start + r) * k + j] = Math.sqrt(squared[r * s.rows + found[r * k + j]!]!);
      }
    }, check);
    return { indices, distances, shape: [batch.rows, k] };
  }

  /** Shape [N, classes]: the share of the k neighbours in each class. */
  predictProba(x: DataInput): TensorData {
    const { labels, classes } = this.state();
    const { indices, shape } = this.kneighbors(x);
    const [n, k] = shape;
    const out = new Float32Array(n * classes.length);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * classes.length + labels[indices[i * k + j]!]!]! += 1 / k;
    return tensorOut(out, n, [classes.length]);
  }

  /** The majority class of each sample's k neighbours (ties: smallest label). */
  predict(x: DataInput): Int32Array {
    const { labels, classes } = this.state();
    const { indices, shape } = this.kneighbors(x);
    const [n, k] = shape;
    const out = new Int32Array(n);
    const votes = new Int32Array(classes.length);
    for (let i = 0; i < n; i++) {
      votes.fill(0);
      for (let j = 0; j < k; j++) votes[labels[indices[i * k + j]!]!]!++;
      let best = 0;
      for (let c = 1; c < classes.length; c++) if (votes[c]! > votes[best]!) best = c;
      out[i] = classes[best]!;
    }
    return out;
  }

  /** Accuracy of predict(x) against y. */
  score(x: DataInput, y: Labels): number {
    return accuracy(this.predict(x), y);
  }

  /** Frees the stored training samples; any later use throws a DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.release();
    this.disposed = true;
  }

  private release(): void {
    const s = this.fitted_;
    if (!s) return;
    s.engine.arena.free(s.x);
    s.engine.arena.free(s.norms);
    this.fitted_ = null;
  }

  private state() {
    this.assertLive();
    if (!this.fitted_) throw new AutoencoderError("KNeighborsClassifier: this instance is not fitted yet; call `await knn.fit(x, y)` first");
    return this.fitted_;
  }

  private assertLive(): void {
    if (this.disposed) throw new DisposedError("this KNeighborsClassifier was disposed; create a new one");
  }
}

/** Options of LogisticRegression. */
export interface LogisticRegressionOptions {
  /** Full-batch optimizer steps at most. Default 500. */
  maxIter?: number;
  /** Adam's step size. Default 0.01. */
  learningRate?: number;
  /** λ of the penalty (λ/2)·‖W‖² added to the mean cross-entropy (the intercept is not penalized). Default 1e-4. */
  l2?: number;
  /** Stop when the gradient's Euclidean norm falls to tol or below. Default 1e-4. */
  tol?: number;
}

/** A fitted model: W [features × classes] and b [classes], as plain arrays. */
interface LogisticState {
  classes: number[];
  sampleShape: readonly number[];
  features: number;
  weights: Float32Array;
  intercept: Float32Array;
}

/**
 * Multinomial logistic (softmax) regression: minimizes mean cross-entropy +
 * (l2/2)·‖W‖² by full-batch Adam from zero weights, so it is deterministic.
 * Each step is gemm for the logits, f32_softmax_xent_backward for the loss
 * and its gradient, gemm and f32_colsum for the weights' gradients.
 */
export class LogisticRegression {
  /** Full-batch optimizer steps at most. */
  readonly maxIter: number;
  /** Adam's step size. */
  readonly learningRate: number;
  /** λ of the (λ/2)·‖W‖² penalty. */
  readonly l2: number;
  /** Gradient norm at which fit stops. */
  readonly tol: number;
  /** Steps taken by the last fit. */
  nIter = 0;
  /** Loss before each step of the last fit. */
  lossCurve: number[] = [];
  private fitted_: LogisticState | null = null;

  constructor(options: LogisticRegressionOptions = {}) {
    const o = options ?? {};
    const check = (name: keyof LogisticRegressionOptions, fallback: number, ok: (v: number) => boolean, expected: string): number => {
      const v = o[name] ?? fallback;
      if (typeof v !== "number" || !ok(v)) throw new ConfigError(`LogisticRegression ${name}: expected ${expected}, found ${describe(o[name])}`);
      return v;
    };
    this.maxIter = check("maxIter", 500, (v) => Number.isInteger(v) && v >= 1, "a positive integer");
    this.learningRate = check("learningRate", 0.01, (v) => Number.isFinite(v) && v > 0, "a positive number");
    this.l2 = check("l2", 1e-4, (v) => Number.isFinite(v) && v >= 0, "a non-negative number");
    this.tol = check("tol", 1e-4, (v) => Number.isFinite(v) && v >= 0, "a non-negative number");
  }

  /** Trains on x (samples × features) and integer labels y (two classes or more). */
  async fit(x: DataInput, y: Labels): Promise<this> {
    const engine = await init();
    const batch = featuresOf(x, null, "x");
    const { classes, index } = encodeLabels(y, batch.rows);
    if (classes.length < 2) throw new DataError(`y: expected at least two classes, found only ${classes[0]}`);
    const { kernels: kn, arena } = engine;
    const n = batch.rows;
    const d = batch.cols;
    const c = classes.length;
    const pad4 = (v: number): number => Math.ceil(v / 4) * 4;
    // Parameters [W | b] with b 16-byte aligned; the pad between stays 0 (its gradient is 0).
    const count = pad4(d * c) + c;
    const stride = pad4(count);
    const optimizer = createOptimizer({ name: "adam", learningRate: this.learningRate } satisfies OptimizerConfig);
    // One block: parameters, gradients, then Adam's two moments, `stride` floats each.
    const slab = arena.alloc(4 * stride * (2 + optimizer.stateSlots));
    const params = slab;
    const grads = slab + 4 * stride;
    const state = Array.from({ length: optimizer.stateSlots }, (_, i) => slab + 4 * stride * (2 + i));
    const xPtr = arena.alloc(4 * n * d);
    const yPtr = arena.alloc(4 * n);
    try {
      arena.write(xPtr, batch.data);
      assertFinite(engine, xPtr, n, d, "x");
      arena.u32.set(index, yPtr >>> 2);
      kn.f32_fill(slab, 0, stride * (2 + optimizer.stateSlots));
      const weights = params;
      const bias = params + 4 * pad4(d * c);
      this.lossCurve = [];
      let steps = 0;
      for (; steps < this.maxIter; steps++) {
        const loss = arena.scoped(() => {
          const logits = arena.scratch(4 * n * c);
          kn.f32_gemm_nn(logits, xPtr, weights, bias, n, c, d, 0, arena.scratch(kn.gemm_workspace_bytes(n, c, d)));
          const xent = kn.f32_softmax_xent_backward(logits, logits, yPtr, 1 / n, n, c) / n;
          kn.f32_gemm_tn(grads, xPtr, logits, 0, d, c, n, 0, arena.scratch(kn.gemm_workspace_bytes(d, c, n)));
          kn.f32_colsum(grads + 4 * pad4(d * c), logits, n, c, 0);
          if (this.l2 > 0) kn.f32_axpy(grads, weights, this.l2, d * c);
          return xent + (this.l2 / 2) * kn.f32_sum_squares(weights, d * c);
        });
        if (!Number.isFinite(loss)) throw new DataError(`LogisticRegression: the loss became ${loss} at step ${steps + 1}; lower learningRate or scale the features`);
        this.lossCurve.push(loss);
        if (Math.sqrt(kn.f32_sum_squares(grads, count)) <= this.tol) break;
        optimizer.step({ params, grads, state, count });
      }
      this.nIter = steps;
      this.fitted_ = { classes, sampleShape: batch.sampleShape, features: d, weights: arena.read(weights, d * c), intercept: arena.read(bias, c) };
    } finally {
      arena.free(slab);
      arena.free(xPtr);
      arena.free(yPtr);
    }
    return this;
  }

  /** The sorted distinct training labels (scikit-learn's classes_). */
  get classes(): number[] {
    return [...this.state().classes];
  }

  /** Weights as scikit-learn's coef_: [classes, features]. */
  get coef(): TensorData {
    const { weights, features, classes } = this.state();
    const c = classes.length;
    const out = new Float32Array(c * features);
    for (let i = 0; i < features; i++) for (let j = 0; j < c; j++) out[j * features + i] = weights[i * c + j]!;
    return { data: out, shape: [c, features] };
  }

  /** Intercepts, one per class. */
  get intercept(): Float32Array {
    return this.state().intercept.slice();
  }

  /** Logits x·W + b: [N, classes]. */
  decisionFunction(x: DataInput): TensorData {
    return this.logits(x, false);
  }

  /** Softmax probabilities: [N, classes], columns in the order of `classes`. */
  predictProba(x: DataInput): TensorData {
    return this.logits(x, true);
  }

  /** The most probable class of each sample (ties: the smaller label). */
  predict(x: DataInput): Int32Array {
    const { classes } = this.state();
    const { data, shape } = this.logits(x, false);
    const [n, c] = shape as [number, number];
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < c; j++) if (data[i * c + j]! > data[i * c + best]!) best = j;
      out[i] = classes[best]!;
    }
    return out;
  }

  /** Accuracy of predict(x) against y. */
  score(x: DataInput, y: Labels): number {
    return accuracy(this.predict(x), y);
  }

  private logits(x: DataInput, softmax: boolean): TensorData {
    const s = this.state();
    const engine = getEngine();
    const { kernels: kn, arena } = engine;
    const batch = featuresOf(x, s.sampleShape, "x");
    const c = s.classes.length;
    const n = batch.rows;
    const d = s.features;
    return arena.scoped(() => {
      const xPtr = arena.scratch(4 * n * d);
      arena.write(xPtr, batch.data);
      assertFinite(engine, xPtr, n, d, "x");
      const w = arena.scratch(4 * d * c);
      const b = arena.scratch(4 * c);
      arena.write(w, s.weights);
      arena.write(b, s.intercept);
      const out = arena.scratch(4 * n * c);
      kn.f32_gemm_nn(out, xPtr, w, b, n, c, d, 0, arena.scratch(kn.gemm_workspace_bytes(n, c, d)));
      if (softmax) kn.f32_softmax_rows(out, out, n, c);
      return tensorOut(arena.read(out, n * c), n, [c]);
    });
  }

  private state(): LogisticState {
    if (!this.fitted_) throw new AutoencoderError("LogisticRegression: this instance is not fitted yet; call `await model.fit(x, y)` first");
    return this.fitted_;
  }
}
