// Principal component analysis, the linear baseline for the autoencoders:
// the eigenvectors of the covariance of centered data (f64 scatter and
// Householder + QL eigensolver in assembly/linalg.ts), applied with the f32
// gemm kernels. The surface follows scikit-learn's PCA.
import { checkOptionKeys, keysOf } from "../options.js";
import { AutoencoderError, ConfigError, DataError, describe, DisposedError, ModelFormatError } from "../errors.js";
import { getEngine, init, type Engine } from "../wasm/module.js";
import { assertFinite, tensorOut, toBatch, type Batch, type DataInput, type TensorData } from "./data.js";
import { shapeText, sizeOf } from "../shape.js";

const PCA_KEYS = /* @__PURE__ */ keysOf<PCAOptions>({ nComponents: true, whiten: true });

/** Options of PCA, as scikit-learn's. */
export interface PCAOptions {
  /** Number of components to keep: an integer in [1, min(samples, features)]. */
  nComponents: number;
  /** Scale projections to unit variance per component (default false), as scikit-learn's `whiten`. */
  whiten?: boolean;
}

/** A fitted PCA as plain JSON: `JSON.stringify(pca)` and `PCA.fromJSON(JSON.parse(text))` round-trip exactly. */
export interface PCAJSON {
  /** Tags the object as a PCA's state. */
  format: "autoencoders/pca";
  /** Version of this JSON layout. */
  version: 1;
  /** Components kept. */
  nComponents: number;
  /** Whether projections are whitened. */
  whiten: boolean;
  /** Shape of one sample, e.g. [784] or [28, 28]. */
  sampleShape: number[];
  /** Samples fit saw. */
  nSamples: number;
  /** Per-feature mean (f32 values). */
  mean: number[];
  /** nComponents × features, row-major (f32 values). */
  components: number[];
  /** Variance along each component (divisor N − 1, as scikit-learn). */
  explainedVariance: number[];
  /** Each component's share of the total variance. */
  explainedVarianceRatio: number[];
  /** Singular values of the centered data, one per component. */
  singularValues: number[];
  /** Mean variance of the discarded directions (probabilistic PCA's σ², scikit-learn's noise_variance_). */
  noiseVariance: number;
}

interface Fitted {
  sampleShape: number[];
  nFeatures: number;
  nSamples: number;
  mean: Float32Array;
  components: Float32Array;
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  singularValues: Float64Array;
  noiseVariance: number;
}

/** The fitted state copied into the arena: persistent blocks, freed by dispose(). */
interface Device {
  engine: Engine;
  /** Rows scaled by 1/√variance when whitening: the projection x ↦ (x − mean)·Wᵀ. */
  project: number;
  /** Rows scaled by √variance when whitening: the reconstruction z ↦ z·W + mean. */
  reconstruct: number;
  mean: number;
  negMean: number;
}

/**
 * Principal component analysis with scikit-learn's surface (fit, transform,
 * inverseTransform, fitTransform), on the same wasm kernels as the
 * autoencoders: the linear baseline they are measured against.
 */
export class PCA {
  /** Components kept. */
  readonly nComponents: number;
  /** Whether projections are whitened (unit variance per component). */
  readonly whiten: boolean;
  private state: Fitted | null = null;
  private device: Device | null = null;
  private disposed = false;

  constructor(options: PCAOptions) {
    checkOptionKeys("PCA", options, PCA_KEYS);
    const k = options?.nComponents;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1) {
      throw new ConfigError(`nComponents: expected a positive integer, found ${describe(k)}`);
    }
    if (options.whiten !== undefined && typeof options.whiten !== "boolean") {
      throw new ConfigError(`whiten: expected a boolean, found ${describe(options.whiten)}`);
    }
    this.nComponents = k;
    this.whiten = options.whiten ?? false;
  }

  /** Learns the mean and the top nComponents principal axes of x (samples × features). */
  async fit(x: DataInput): Promise<this> {
    const engine = await init();
    this.assertLive();
    const sampleShape = sampleShapeOf(x);
    const batch = toBatch(x, sampleShape, "x");
    const { rows, cols } = batch;
    if (cols === 0) throw new DataError(`x: expected at least one feature, found sample shape ${shapeText(sampleShape)}`);
    const k = this.nComponents;
    if (k > Math.min(rows, cols)) {
      throw new ConfigError(
        `nComponents: expected an integer in [1, min(samples, features)] = [1, ${Math.min(rows, cols)}] for x of shape ${shapeText([rows, cols])}, found ${k}`,
      );
    }
    const { kernels: kn, arena } = engine;
    const fitted = arena.scoped(() => {
      const xPtr = arena.scratch(rows * cols * 4);
      arena.write(xPtr, batch.data);
      assertFinite(engine, xPtr, rows, cols, "x");
      const mean64 = arena.scratch(cols * 8);
      kn.f64_column_means(mean64, xPtr, rows, cols);
      const scatter = (dst: number) => kn.f64_scatter(dst, xPtr, mean64, rows, cols, arena.scratch(kn.f64_scatter_workspace_bytes(cols)));
      const { vectors, values } = symmetricEigen(engine, cols, scatter, "the eigen-decomposition of the covariance");
      const out = arena.scratch((k * cols + cols) * 4);
      kn.f32_from_f64(out, vectors, k * cols);
      kn.f32_from_f64(out + k * cols * 4, mean64, cols);
      const f32 = arena.read(out, k * cols + cols);
      return summarize(values, f32.slice(0, k * cols), f32.slice(k * cols), rows, k);
    });
    this.release();
    this.state = { ...fitted, sampleShape, nFeatures: cols, nSamples: rows };
    return this;
  }

  /** Projects x onto the components: (x − mean)·Wᵀ, [samples, nComponents] (divided by √variance when whitening). */
  transform(x: DataInput): TensorData {
    const { state, device } = this.ready();
    const batch = toBatch(x, state.sampleShape, "x");
    const { arena } = device.engine;
    return arena.scoped(() => {
      const centered = this.centered(device, batch);
      const z = this.project(device, centered, batch.rows);
      return tensorOut(arena.read(z, batch.rows * this.nComponents), batch.rows, [this.nComponents]);
    });
  }

  /** Maps projections back to the input space: z·W + mean (z multiplied by √variance first when whitening). */
  inverseTransform(z: DataInput): TensorData {
    const { state, device } = this.ready();
    const batch = toBatch(z, [this.nComponents], "z");
    const { arena } = device.engine;
    return arena.scoped(() => {
      const zPtr = arena.scratch(batch.rows * this.nComponents * 4);
      arena.write(zPtr, batch.data);
      assertFinite(device.engine, zPtr, batch.rows, this.nComponents, "z");
      const xr = this.reconstructFrom(device, zPtr, batch.rows);
      return tensorOut(arena.read(xr, batch.rows * state.nFeatures), batch.rows, state.sampleShape);
    });
  }

  /** fit(x), then transform(x). */
  async fitTransform(x: DataInput): Promise<TensorData> {
    await this.fit(x);
    return this.transform(x);
  }

  /** Per-sample mean squared error of inverseTransform(transform(x)) against x. */
  reconstructionError(x: DataInput): Float32Array {
    const { state, device } = this.ready();
    const batch = toBatch(x, state.sampleShape, "x");
    const { kernels: kn, arena } = device.engine;
    const { rows } = batch;
    const cols = state.nFeatures;
    return arena.scoped(() => {
      const original = this.centered(device, batch);
      const z = this.project(device, original, rows);
      // Back to the original data: the centered copy plus the mean.
      kn.f32_add_bias(original, device.mean, rows, cols);
      const xr = this.reconstructFrom(device, z, rows);
      const errors = arena.scratch(rows * 4);
      kn.f32_row_mse(errors, xr, original, rows, cols);
      return arena.read(errors, rows);
    });
  }

  /** Whether fit (or fromJSON) has run. */
  get isFitted(): boolean {
    return this.state !== null;
  }

  /** Values per sample seen by fit. */
  get nFeatures(): number {
    return this.fitted().nFeatures;
  }

  /** The shape of one sample seen by fit, e.g. [784] or [28, 28]. */
  get sampleShape(): number[] {
    return [...this.fitted().sampleShape];
  }

  /** Principal axes, [nComponents, features], unit rows, in order of decreasing variance. */
  get components(): TensorData {
    const s = this.fitted();
    return { data: s.components.slice(), shape: [this.nComponents, s.nFeatures] };
  }

  /** Per-feature mean of the training data. */
  get mean(): Float32Array {
    return this.fitted().mean.slice();
  }

  /** Variance along each component (sample covariance, divisor samples − 1). */
  get explainedVariance(): Float64Array {
    return this.fitted().explainedVariance.slice();
  }

  /** Share of the total variance along each component. */
  get explainedVarianceRatio(): Float64Array {
    return this.fitted().explainedVarianceRatio.slice();
  }

  /** Singular values of the centered data matrix for each component. */
  get singularValues(): Float64Array {
    return this.fitted().singularValues.slice();
  }

  /** Mean variance of the discarded directions (0 when none is discarded), as scikit-learn's noise_variance_. */
  get noiseVariance(): number {
    return this.fitted().noiseVariance;
  }

  /** The fitted state as plain JSON. */
  toJSON(): PCAJSON {
    const s = this.fitted();
    return {
      format: "autoencoders/pca",
      version: 1,
      nComponents: this.nComponents,
      whiten: this.whiten,
      sampleShape: [...s.sampleShape],
      nSamples: s.nSamples,
      mean: Array.from(s.mean),
      components: Array.from(s.components),
      explainedVariance: Array.from(s.explainedVariance),
      explainedVarianceRatio: Array.from(s.explainedVarianceRatio),
      singularValues: Array.from(s.singularValues),
      noiseVariance: s.noiseVariance,
    };
  }

  /** Restores a PCA saved with toJSON(). Its transforms need the wasm core: await init() first. */
  static fromJSON(json: PCAJSON): PCA {
    const bad = (what: string): never => {
      throw new ModelFormatError(`PCA JSON: ${what}`);
    };
    if (!json || typeof json !== "object") bad(`expected an object, found ${json === null ? "null" : typeof json}`);
    if (json.format !== "autoencoders/pca") bad(`expected format "autoencoders/pca", found ${describe(json.format)}`);
    if (json.version !== 1) bad(`expected version 1, found ${describe(json.version)}`);
    const shape = json.sampleShape;
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      bad(`sampleShape: expected positive integers, found ${describe(shape)}`);
    }
    const features = sizeOf(shape);
    const k = json.nComponents;
    if (!Number.isInteger(k) || k < 1 || k > features) bad(`nComponents: expected an integer in [1, ${features}], found ${describe(k)}`);
    if (!Number.isInteger(json.nSamples) || json.nSamples < k) bad(`nSamples: expected an integer ≥ ${k}, found ${describe(json.nSamples)}`);
    const numbers = (name: keyof PCAJSON, length: number): number[] => {
      const v = json[name] as unknown;
      if (!Array.isArray(v) || v.length !== length || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
        bad(`${name}: expected ${length} finite numbers, found ${Array.isArray(v) ? `an array of ${v.length}` : typeof v}`);
      }
      return v as number[];
    };
    if (typeof json.noiseVariance !== "number" || !Number.isFinite(json.noiseVariance)) bad("noiseVariance: expected a finite number");
    const pca = new PCA({ nComponents: k, whiten: json.whiten === true });
    pca.state = {
      sampleShape: [...shape],
      nFeatures: features,
      nSamples: json.nSamples,
      mean: Float32Array.from(numbers("mean", features)),
      components: Float32Array.from(numbers("components", k * features)),
      explainedVariance: Float64Array.from(numbers("explainedVariance", k)),
      explainedVarianceRatio: Float64Array.from(numbers("explainedVarianceRatio", k)),
      singularValues: Float64Array.from(numbers("singularValues", k)),
      noiseVariance: json.noiseVariance,
    };
    return pca;
  }

  /** Frees the arena memory this PCA holds; any later use throws a DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.release();
    this.disposed = true;
    this.state = null;
  }

  /** Copies x into scratch and subtracts the mean in place; checks finiteness. */
  private centered(device: Device, batch: Batch): number {
    const { kernels: kn, arena } = device.engine;
    const ptr = arena.scratch(batch.rows * batch.cols * 4);
    arena.write(ptr, batch.data);
    assertFinite(device.engine, ptr, batch.rows, batch.cols, "x");
    kn.f32_add_bias(ptr, device.negMean, batch.rows, batch.cols);
    return ptr;
  }

  /** Scratch z[rows × k] = centered · Wᵀ. */
  private project(device: Device, centered: number, rows: number): number {
    const { kernels: kn, arena } = device.engine;
    const k = this.nComponents;
    const f = this.state!.nFeatures;
    const z = arena.scratch(rows * k * 4);
    kn.f32_gemm_nt(z, centered, device.project, 0, rows, k, f, 0, arena.scratch(kn.gemm_workspace_bytes(rows, k, f)));
    return z;
  }

  /** Scratch x̂[rows × features] = z · W + mean. */
  private reconstructFrom(device: Device, z: number, rows: number): number {
    const { kernels: kn, arena } = device.engine;
    const k = this.nComponents;
    const f = this.state!.nFeatures;
    const xr = arena.scratch(rows * f * 4);
    kn.f32_gemm_nn(xr, z, device.reconstruct, device.mean, rows, f, k, 0, arena.scratch(kn.gemm_workspace_bytes(rows, f, k)));
    return xr;
  }

  private ready(): { state: Fitted; device: Device } {
    const state = this.fitted();
    if (!this.device) this.device = this.upload(state);
    return { state, device: this.device };
  }

  private upload(state: Fitted): Device {
    const engine = getEngine();
    const { kernels: kn, arena } = engine;
    const f = state.nFeatures;
    const k = this.nComponents;
    const project = arena.alloc(k * f * 4);
    arena.write(project, state.components);
    let reconstruct = project;
    if (this.whiten) {
      reconstruct = arena.alloc(k * f * 4);
      for (let i = 0; i < k; i++) {
        const v = state.explainedVariance[i]!;
        // A direction without variance projects to 0 rather than to ±Infinity.
        const inverse = v > 0 ? 1 / Math.sqrt(v) : 0;
        const row = project + i * f * 4;
        kn.f32_scale(reconstruct + i * f * 4, row, Math.sqrt(v), f);
        kn.f32_scale(row, row, inverse, f);
      }
    }
    const mean = arena.alloc(f * 4);
    arena.write(mean, state.mean);
    const negMean = arena.alloc(f * 4);
    kn.f32_scale(negMean, mean, -1, f);
    return { engine, project, reconstruct, mean, negMean };
  }

  private release(): void {
    const d = this.device;
    if (!d) return;
    this.device = null;
    const { arena } = d.engine;
    if (d.reconstruct !== d.project) arena.free(d.reconstruct);
    arena.free(d.project);
    arena.free(d.mean);
    arena.free(d.negMean);
  }

  private fitted(): Fitted {
    this.assertLive();
    if (!this.state) throw new AutoencoderError("PCA: this instance is not fitted yet; call `await pca.fit(x)` first");
    return this.state;
  }

  private assertLive(): void {
    if (this.disposed) throw new DisposedError("this PCA was disposed; create or load a new one");
  }
}

/** The per-sample shape of `x`: inner dimensions of a tensor, or the length of the first row. */
function sampleShapeOf(x: DataInput): number[] {
  if (Array.isArray(x)) return [Array.isArray(x[0]) ? (x[0] as readonly number[]).length : 0];
  const shape = (x as { shape?: unknown })?.shape;
  return Array.isArray(shape) ? shape.slice(1) : [];
}

/** Variances and their shares from the scatter eigenvalues (descending), scikit-learn's definitions. */
/**
 * Eigenvalues (descending) and unit eigenvectors (rows of f64 scratch, each
 * with its largest-|·| entry positive: scikit-learn's svd_flip) of the n×n
 * symmetric matrix that `fill` writes into the scratch it is given; `what`
 * names the decomposition in the error when it does not converge.
 */
export function symmetricEigen(engine: Engine, n: number, fill: (dst: number) => void, what: string): { vectors: number; values: Float64Array } {
  const { kernels: kn, arena } = engine;
  const vectors = arena.scratch(n * n * 8);
  fill(vectors);
  const valuesPtr = arena.scratch(n * 8);
  const code = kn.f64_symmetric_eigen(vectors, n, valuesPtr, arena.scratch(kn.f64_symmetric_eigen_workspace_bytes(n)));
  if (code !== 0) throw new DataError(`x: ${what} did not converge (eigenvalue ${code - 1} of ${n})`);
  return { vectors, values: new Float64Array(arena.memory.buffer, valuesPtr, n).slice() };
}

function summarize(scatterValues: Float64Array, components: Float32Array, mean: Float32Array, rows: number, k: number) {
  const n = scatterValues.length;
  const dof = Math.max(rows - 1, 1);
  // Eigenvalues of a scatter matrix are ≥ 0; negative ones are rounding noise.
  const all = Float64Array.from(scatterValues, (v) => Math.max(v, 0) / dof);
  let total = 0;
  for (let i = 0; i < n; i++) total += all[i]!;
  const explainedVariance = all.slice(0, k);
  const explainedVarianceRatio = explainedVariance.map((v) => (total > 0 ? v / total : 0));
  const singularValues = Float64Array.from(scatterValues.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0)));
  const rank = Math.min(rows, n);
  let noise = 0;
  for (let i = k; i < rank; i++) noise += all[i]!;
  const noiseVariance = k < rank ? noise / (rank - k) : 0;
  return { components, mean, explainedVariance, explainedVarianceRatio, singularValues, noiseVariance };
}
