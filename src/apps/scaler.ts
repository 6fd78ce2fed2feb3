// Per-feature scaling as scikit-learn's StandardScaler, MinMaxScaler and
// RobustScaler. Each is one affine map per column, x·scale + offset, run by the
// f32_affine_columns kernel; inverseTransform is the same kernel with the
// inverse map. The fitted state is plain JSON, saved inside the reducer and
// detector files so that scoring applies the same transform as training.
import { checkOptionKeys } from "../options.js";
import { AutoencoderError, ConfigError, DataError, describe, ModelFormatError } from "../errors.js";
import { assertFinite, tensorOut, toBatch, type DataInput, type TensorData } from "../models/data.js";
import { getEngine, init, type Engine } from "../wasm/module.js";
import { shapeText, sizeOf } from "../shape.js";

/** Options of StandardScaler, as scikit-learn's. */
export interface StandardScalerOptions {
  /** Subtract the per-feature mean. Default true. */
  withMean?: boolean;
  /** Divide by the per-feature standard deviation (divisor N; 1 for constant features). Default true. */
  withStd?: boolean;
}

/** Options of MinMaxScaler, as scikit-learn's. */
export interface MinMaxScalerOptions {
  /** Target range [lo, hi] of every feature, lo < hi. Default [0, 1]. */
  featureRange?: [number, number];
  /** Clip transformed values to featureRange (values outside the training range). Default false. */
  clip?: boolean;
}

/**
 * What every scaler's JSON holds. The affine maps are not saved: fromJSON
 * computes them from the statistics, as fit does (files that also hold the
 * maps, as `scale` and `offset`, load the same).
 */
interface ScalerJSONBase {
  /** Tags the object as a scaler's state. */
  format: "autoencoders/scaler";
  /** Version of this JSON layout. */
  version: 1;
  /** Shape of one sample, e.g. [20] or [28, 28]. */
  sampleShape: number[];
}

/** A fitted StandardScaler as plain JSON: toJSON() and StandardScaler.fromJSON(). */
export interface StandardScalerJSON extends ScalerJSONBase {
  /** The scaler. */
  kind: "standard";
  /** Whether the mean is subtracted. */
  withMean: boolean;
  /** Whether values are divided by the standard deviation. */
  withStd: boolean;
  /** Per-feature mean of the training data (f32 values). */
  mean: number[];
  /** Per-feature standard deviation of the training data, divisor N (f32 values). */
  std: number[];
}

/** A fitted MinMaxScaler as plain JSON: toJSON() and MinMaxScaler.fromJSON(). */
export interface MinMaxScalerJSON extends ScalerJSONBase {
  /** The scaler. */
  kind: "minmax";
  /** Target range [lo, hi]. */
  featureRange: [number, number];
  /** Whether transformed values are clipped to featureRange. */
  clip: boolean;
  /** Per-feature minimum of the training data (f32 values). */
  dataMin: number[];
  /** Per-feature maximum of the training data (f32 values). */
  dataMax: number[];
}

/** A fitted RobustScaler as plain JSON: toJSON() and RobustScaler.fromJSON(). */
export interface RobustScalerJSON extends ScalerJSONBase {
  /** The scaler. */
  kind: "robust";
  /** Per-feature median of the training data (f32 values). */
  center: number[];
  /** Per-feature spread: the interquartile range, else the standard deviation, else 1 (f32 values). */
  spread: number[];
}

/** Any scaler's JSON; scalerFromJSON() restores it. */
export type ScalerJSON = StandardScalerJSON | MinMaxScalerJSON | RobustScalerJSON;

/** A fitted scaler: the two affine maps and the sample shape. */
interface Affine {
  sampleShape: number[];
  nFeatures: number;
  scale: Float32Array;
  offset: Float32Array;
  inverseScale: Float32Array;
  inverseOffset: Float32Array;
}

/** The per-sample shape of `x`: inner dimensions of a tensor, or the length of the first row. */
export function sampleShapeOf(x: DataInput): number[] {
  if (Array.isArray(x)) return [Array.isArray(x[0]) ? (x[0] as readonly number[]).length : 0];
  const shape = (x as { shape?: unknown })?.shape;
  return Array.isArray(shape) ? shape.slice(1) : [];
}

/** What both scalers share: fit statistics in wasm, then apply per-column affine maps. */
abstract class AffineScaler {
  protected state: Affine | null = null;
  /** The class's name in messages (stated, as the minified bundle's class names are not). */
  protected abstract readonly className: string;

  /** Learns the per-feature statistics of x (samples × features). */
  async fit(x: DataInput): Promise<this> {
    const engine = await init();
    const sampleShape = sampleShapeOf(x);
    const batch = toBatch(x, sampleShape, "x");
    if (batch.cols === 0) throw new DataError(`x: expected at least one feature, found sample shape ${shapeText(sampleShape)}`);
    const { arena } = engine;
    const stats = arena.scoped(() => {
      const ptr = arena.scratch(batch.data.length * 4);
      arena.write(ptr, batch.data);
      assertFinite(engine, ptr, batch.rows, batch.cols, "x");
      return this.statistics(engine, ptr, batch.rows, batch.cols);
    });
    this.state = { sampleShape, nFeatures: batch.cols, ...stats };
    return this;
  }

  /** x·scale + offset per feature: [N, ...sampleShape]. */
  transform(x: DataInput): TensorData {
    const s = this.fitted();
    return this.apply(x, s, s.scale, s.offset, this.clipRange());
  }

  /** Undoes transform: [N, ...sampleShape]. */
  inverseTransform(x: DataInput): TensorData {
    const s = this.fitted();
    return this.apply(x, s, s.inverseScale, s.inverseOffset, null);
  }

  /** fit(x), then transform(x). */
  async fitTransform(x: DataInput): Promise<TensorData> {
    await this.fit(x);
    return this.transform(x);
  }

  /** Whether fit (or fromJSON) has given the scaler its statistics. */
  get isFitted(): boolean {
    return this.state !== null;
  }

  /** Values per sample seen by fit. */
  get nFeatures(): number {
    return this.fitted().nFeatures;
  }

  /** Shape of one sample seen by fit. */
  get sampleShape(): number[] {
    return [...this.fitted().sampleShape];
  }

  /** The fitted state as plain JSON (f32 values, so it round-trips exactly). */
  abstract toJSON(): ScalerJSON;

  protected abstract statistics(engine: Engine, x: number, rows: number, cols: number): Omit<Affine, "sampleShape" | "nFeatures">;

  protected clipRange(): [number, number] | null {
    return null;
  }

  protected fitted(): Affine {
    if (!this.state) throw new AutoencoderError(`${this.className}: this instance is not fitted yet; call \`await scaler.fit(x)\` first`);
    return this.state;
  }

  protected baseJSON(): ScalerJSONBase {
    const s = this.fitted();
    return { format: "autoencoders/scaler", version: 1, sampleShape: [...s.sampleShape] };
  }

  private apply(x: DataInput, s: Affine, scale: Float32Array, offset: Float32Array, clip: [number, number] | null): TensorData {
    const engine = getEngine();
    const { kernels: kn, arena } = engine;
    const batch = toBatch(x, s.sampleShape, "x");
    return arena.scoped(() => {
      const ptr = arena.scratch(batch.data.length * 4);
      arena.write(ptr, batch.data);
      assertFinite(engine, ptr, batch.rows, batch.cols, "x");
      const sp = arena.scratch(batch.cols * 4);
      const op = arena.scratch(batch.cols * 4);
      arena.write(sp, scale);
      arena.write(op, offset);
      kn.f32_affine_columns(ptr, ptr, sp, op, batch.rows, batch.cols);
      if (clip) kn.f32_clip(ptr, ptr, clip[0], clip[1], batch.data.length);
      return tensorOut(arena.read(ptr, batch.data.length), batch.rows, s.sampleShape);
    });
  }
}

/** (x − mean) / std per feature, as scikit-learn's StandardScaler (population std; constant features keep scale 1). */
export class StandardScaler extends AffineScaler {
  protected readonly className = "StandardScaler";
  /** Whether the mean is subtracted. */
  readonly withMean: boolean;
  /** Whether values are divided by the standard deviation. */
  readonly withStd: boolean;
  private mean_: Float32Array | null = null;
  private std_: Float32Array | null = null;

  constructor(options: StandardScalerOptions = {}) {
    super();
    checkOptionKeys("StandardScaler", options, ["withMean", "withStd"] satisfies (keyof StandardScalerOptions)[]);
    for (const key of ["withMean", "withStd"] as const) {
      if (options[key] !== undefined && typeof options[key] !== "boolean") throw new ConfigError(`StandardScaler ${key}: expected a boolean, found ${describe(options[key])}`);
    }
    this.withMean = options.withMean ?? true;
    this.withStd = options.withStd ?? true;
  }

  /** Per-feature mean of the training data. */
  get mean(): Float32Array {
    this.fitted();
    return this.mean_!.slice();
  }

  /** Per-feature standard deviation of the training data (divisor N). */
  get std(): Float32Array {
    this.fitted();
    return this.std_!.slice();
  }

  protected statistics(engine: Engine, x: number, rows: number, cols: number) {
    const { kernels: kn, arena } = engine;
    const meanPtr = arena.scratch(cols * 4);
    const varPtr = arena.scratch(cols * 4);
    // Batch norm's statistics are exactly these: f64 sums, biased variance.
    kn.f32_batchnorm_stats(meanPtr, varPtr, x, rows, cols, 0, cols, arena.scratch(16 * cols));
    const mean = arena.read(meanPtr, cols);
    const std = Float32Array.from(arena.read(varPtr, cols), Math.sqrt);
    this.mean_ = mean;
    this.std_ = std;
    return standardMaps(mean, std, this.withMean, this.withStd);
  }

  toJSON(): StandardScalerJSON {
    return { ...this.baseJSON(), kind: "standard", withMean: this.withMean, withStd: this.withStd, mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /** Restores a scaler saved with toJSON(). */
  static fromJSON(json: StandardScalerJSON): StandardScaler {
    const base = checkBase(json, "standard");
    const scaler = new StandardScaler({ withMean: json.withMean === true, withStd: json.withStd === true });
    const mean = floats(json.mean, base.nFeatures, "mean");
    const std = floats(json.std, base.nFeatures, "std", 0);
    scaler.mean_ = mean;
    scaler.std_ = std;
    scaler.state = { ...base, ...checkMaps(standardMaps(mean, std, scaler.withMean, scaler.withStd)) };
    return scaler;
  }
}

function standardMaps(mean: Float32Array, std: Float32Array, withMean: boolean, withStd: boolean) {
  const n = mean.length;
  const scale = new Float32Array(n);
  const offset = new Float32Array(n);
  const inverseScale = new Float32Array(n);
  const inverseOffset = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    // A constant feature keeps scale 1 (scikit-learn's _handle_zeros_in_scale).
    const s = withStd && std[j]! > 0 ? std[j]! : 1;
    const m = withMean ? mean[j]! : 0;
    scale[j] = 1 / s;
    offset[j] = -m / s;
    inverseScale[j] = s;
    inverseOffset[j] = m;
  }
  return { scale, offset, inverseScale, inverseOffset };
}

/** Maps each feature's training [min, max] onto featureRange, as scikit-learn's MinMaxScaler. */
export class MinMaxScaler extends AffineScaler {
  protected readonly className = "MinMaxScaler";
  /** Target range [lo, hi] of every feature. */
  readonly featureRange: [number, number];
  /** Whether transformed values are clipped to featureRange. */
  readonly clip: boolean;
  private dataMin_: Float32Array | null = null;
  private dataMax_: Float32Array | null = null;

  constructor(options: MinMaxScalerOptions = {}) {
    super();
    checkOptionKeys("MinMaxScaler", options, ["featureRange", "clip"] satisfies (keyof MinMaxScalerOptions)[]);
    const range = options.featureRange ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[0] < range[1])) {
      throw new ConfigError(`MinMaxScaler featureRange: expected [lo, hi] with finite lo < hi, found ${describe(options.featureRange)}`);
    }
    if (options.clip !== undefined && typeof options.clip !== "boolean") throw new ConfigError(`MinMaxScaler clip: expected a boolean, found ${describe(options.clip)}`);
    this.featureRange = [range[0], range[1]];
    this.clip = options.clip ?? false;
  }

  /** Per-feature minimum of the training data. */
  get dataMin(): Float32Array {
    this.fitted();
    return this.dataMin_!.slice();
  }

  /** Per-feature maximum of the training data. */
  get dataMax(): Float32Array {
    this.fitted();
    return this.dataMax_!.slice();
  }

  protected override clipRange(): [number, number] | null {
    return this.clip ? this.featureRange : null;
  }

  protected statistics(engine: Engine, x: number, rows: number, cols: number) {
    const { kernels: kn, arena } = engine;
    const lo = arena.scratch(cols * 4);
    const hi = arena.scratch(cols * 4);
    kn.f32_column_min_max(lo, hi, x, rows, cols);
    this.dataMin_ = arena.read(lo, cols);
    this.dataMax_ = arena.read(hi, cols);
    return minMaxMaps(this.dataMin_, this.dataMax_, this.featureRange);
  }

  toJSON(): MinMaxScalerJSON {
    return {
      ...this.baseJSON(), kind: "minmax", featureRange: [...this.featureRange], clip: this.clip,
      dataMin: Array.from(this.dataMin), dataMax: Array.from(this.dataMax),
    };
  }

  /** Restores a scaler saved with toJSON(). */
  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    const base = checkBase(json, "minmax");
    let scaler: MinMaxScaler;
    try {
      scaler = new MinMaxScaler({ featureRange: json.featureRange, clip: json.clip === true });
    } catch (error) {
      throw new ModelFormatError(`scaler JSON: ${(error as Error).message}`);
    }
    const dataMin = floats(json.dataMin, base.nFeatures, "dataMin");
    const dataMax = floats(json.dataMax, base.nFeatures, "dataMax");
    const j = dataMin.findIndex((lo, i) => !(lo <= dataMax[i]!));
    if (j >= 0) throw new ModelFormatError(`scaler JSON: expected dataMin <= dataMax, found ${dataMin[j]} > ${dataMax[j]} for feature ${j}`);
    scaler.dataMin_ = dataMin;
    scaler.dataMax_ = dataMax;
    scaler.state = { ...base, ...checkMaps(minMaxMaps(dataMin, dataMax, scaler.featureRange)) };
    return scaler;
  }
}

function minMaxMaps(dataMin: Float32Array, dataMax: Float32Array, [lo, hi]: [number, number]) {
  const n = dataMin.length;
  const scale = new Float32Array(n);
  const offset = new Float32Array(n);
  const inverseScale = new Float32Array(n);
  const inverseOffset = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    // A constant feature has range 1 (scikit-learn's _handle_zeros_in_scale): it maps to lo.
    const range = dataMax[j]! - dataMin[j]! > 0 ? dataMax[j]! - dataMin[j]! : 1;
    const s = (hi - lo) / range;
    scale[j] = s;
    offset[j] = lo - dataMin[j]! * s;
    inverseScale[j] = range / (hi - lo);
    inverseOffset[j] = dataMin[j]! - lo * (range / (hi - lo));
  }
  return { scale, offset, inverseScale, inverseOffset };
}

/**
 * (x − median) / IQR per feature, as scikit-learn's RobustScaler (quantiles
 * by linear interpolation, numpy's default): outliers in the training data
 * move neither statistic much, so a skewed or contaminated feature is not
 * squeezed by its own extremes as the standard deviation squeezes it. Where
 * the IQR is 0 (more than half the values equal) the spread is the
 * population standard deviation, and 1 for a constant feature; scikit-learn
 * uses 1 for both, which leaves a rare-valued feature unscaled.
 */
export class RobustScaler extends AffineScaler {
  protected readonly className = "RobustScaler";
  private center_: Float32Array | null = null;
  private spread_: Float32Array | null = null;

  /** Per-feature median of the training data. */
  get center(): Float32Array {
    this.fitted();
    return this.center_!.slice();
  }

  /** Per-feature spread the data are divided by (IQR, else standard deviation, else 1). */
  get spread(): Float32Array {
    this.fitted();
    return this.spread_!.slice();
  }

  protected statistics(engine: Engine, x: number, rows: number, cols: number) {
    const data = engine.arena.read(x, rows * cols);
    const center = new Float32Array(cols);
    const spread = new Float32Array(cols);
    const column = new Float64Array(rows);
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += column[i] = data[i * cols + j]!;
      column.sort();
      const mean = sum / rows;
      let squares = 0;
      for (let i = 0; i < rows; i++) squares += (column[i]! - mean) ** 2;
      const iqr = quantile(column, 0.75) - quantile(column, 0.25);
      center[j] = quantile(column, 0.5);
      spread[j] = iqr > 0 ? iqr : Math.sqrt(squares / rows) || 1;
    }
    this.center_ = center;
    this.spread_ = spread;
    return robustMaps(center, spread);
  }

  toJSON(): RobustScalerJSON {
    return { ...this.baseJSON(), kind: "robust", center: Array.from(this.center), spread: Array.from(this.spread) };
  }

  /** Restores a scaler saved with toJSON(). */
  static fromJSON(json: RobustScalerJSON): RobustScaler {
    const base = checkBase(json, "robust");
    const scaler = new RobustScaler();
    const center = floats(json.center, base.nFeatures, "center");
    const spread = floats(json.spread, base.nFeatures, "spread", Number.MIN_VALUE);
    scaler.center_ = center;
    scaler.spread_ = spread;
    scaler.state = { ...base, ...checkMaps(robustMaps(center, spread)) };
    return scaler;
  }
}

/** The q quantile of ascending values by linear interpolation (numpy's percentile default). */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function robustMaps(center: Float32Array, spread: Float32Array) {
  const n = center.length;
  const scale = new Float32Array(n);
  const offset = new Float32Array(n);
  const inverseScale = new Float32Array(n);
  const inverseOffset = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    scale[j] = 1 / spread[j]!;
    offset[j] = -center[j]! / spread[j]!;
    inverseScale[j] = spread[j]!;
    inverseOffset[j] = center[j]!;
  }
  return { scale, offset, inverseScale, inverseOffset };
}

/** A fitted or unfitted scaler of any kind. */
export type Scaler = StandardScaler | MinMaxScaler | RobustScaler;

/** Restores any scaler from its toJSON() output. */
export function scalerFromJSON(json: ScalerJSON): Scaler {
  if (json?.kind === "standard") return StandardScaler.fromJSON(json);
  if (json?.kind === "minmax") return MinMaxScaler.fromJSON(json);
  if (json?.kind === "robust") return RobustScaler.fromJSON(json);
  throw new ModelFormatError(`scaler JSON: expected kind "standard", "minmax" or "robust", found ${describe((json as { kind?: unknown })?.kind ?? null)}`);
}

function checkBase(json: ScalerJSON, kind: ScalerJSON["kind"]): { sampleShape: number[]; nFeatures: number } {
  if (!json || typeof json !== "object") throw new ModelFormatError(`scaler JSON: expected an object, found ${describe(json)}`);
  if (json.format !== "autoencoders/scaler") throw new ModelFormatError(`scaler JSON: expected format "autoencoders/scaler", found ${describe(json.format)}`);
  if (json.version !== 1) throw new ModelFormatError(`scaler JSON: expected version 1, found ${describe(json.version)}`);
  if (json.kind !== kind) throw new ModelFormatError(`scaler JSON: expected kind "${kind}", found ${describe(json.kind)}`);
  const shape = json.sampleShape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ModelFormatError(`scaler JSON: sampleShape: expected positive integers, found ${describe(shape)}`);
  }
  return { sampleShape: [...shape], nFeatures: sizeOf(shape) };
}

/** `length` numbers that stay finite as f32 (1e308 would become Infinity), at least `min`. */
function floats(values: unknown, length: number, name: string, min = -Infinity): Float32Array {
  if (!Array.isArray(values) || values.length !== length) {
    throw new ModelFormatError(`scaler JSON: ${name}: expected ${length} finite numbers, found ${Array.isArray(values) ? `an array of ${values.length}` : describe(values)}`);
  }
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v: unknown = values[i];
    if (typeof v !== "number" || !Number.isFinite(Math.fround(v)) || !(v >= min)) {
      throw new ModelFormatError(`scaler JSON: ${name}: expected finite float32 numbers${min > -Infinity ? ` >= ${min}` : ""}, found ${describe(v)} at index ${i}`);
    }
    out[i] = v;
  }
  return out;
}

/** The maps a scaler applies must be finite too (a mean of 3e38 over a std of 1e-30 is not). */
function checkMaps<T extends Record<string, Float32Array>>(maps: T): T {
  for (const [name, values] of Object.entries(maps)) {
    const i = values.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw new ModelFormatError(`scaler JSON: expected statistics whose ${name} is finite, found ${values[i]} for feature ${i}`);
  }
  return maps;
}
