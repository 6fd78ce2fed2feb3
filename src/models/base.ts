// What every model shares: the parameter slab and optimizer, the seed and
// step, batched inference over user data, the summary table, disposal.
import { AutoencoderError, ConfigError, describe, DisposedError, ModelFormatError } from "../errors.js";
import { decodeModelFile, encodeModelFile } from "../io/model-file.js";
import type { BuildContext, ForwardContext, Param, ParamSpec } from "../layers/index.js";
import type { State, StateSpec } from "../layers/layer.js";
import { Tensor } from "../ops/tensor.js";
import { createOptimizer, type Optimizer, type OptimizerConfig } from "../optim/optimizer.js";
import { getEngine } from "../wasm/module.js";
import { coreCrc32 } from "./checksum.js";
import { assertFinite, toBatch, type Batch, type DataInput } from "./data.js";
import type { LossParts, Trainable } from "./fit.js";
import { summaryRows, type Network } from "./network.js";
import { assertFiniteTensors, checkBind, fileTensorCheck, whileLoading } from "./load-check.js";
import { savedNumerics } from "./numerics.js";
import type { Numerics } from "../wasm/numerics.js";
import { paddedCount, ParamSlab, StateBlock } from "./params.js";

/** Options of a model's or estimator's save(). */
export interface SaveOptions {
  /** Include the optimizer's moments, so training resumes exactly where it stopped. Default true. */
  optimizer?: boolean;
}

interface SavedMeta {
  format: string;
  config: unknown;
  step: number;
  epochs: number;
  optimizerSteps?: number;
  /** The rate set during training (ReduceLROnPlateau), saved with the optimizer state. */
  learningRate?: number;
  /** The numerics profile that trained the weights; left out for "exact", so those files keep their bytes. */
  numerics?: Numerics;
}

/** Rows per inference call: enough to keep gemm efficient, small enough to stay in cache-friendly scratch. */
export const INFERENCE_BATCH = 256;

export function checkSeed(seed: unknown): number {
  const s = seed ?? 0;
  if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s > 0xffffffff) {
    throw new ConfigError(`seed: expected an integer in [0, 2^32), found ${describe(seed)}`);
  }
  return s;
}

/** The saved counters: integers in [0, 2^53), and no more optimizer steps than model steps. */
function checkCounters(meta: Partial<SavedMeta>, what: string): { step: number; epochs: number; optimizerSteps: number | null } {
  const count = (value: unknown, name: string): number => {
    if (value === undefined) return 0;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new ModelFormatError(`${what}.load: expected ${name} to be an integer in [0, 2^53), found ${describe(value)}`);
    }
    return value;
  };
  const step = count(meta.step, "step");
  const epochs = count(meta.epochs, "epochs");
  if (meta.optimizerSteps === undefined) return { step, epochs, optimizerSteps: null };
  const optimizerSteps = count(meta.optimizerSteps, "optimizerSteps");
  if (optimizerSteps > step) throw new ModelFormatError(`${what}.load: expected optimizerSteps <= step (${step}), found ${optimizerSteps}`);
  return { step, epochs, optimizerSteps };
}

export function checkShape(shape: unknown, what: string): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ConfigError(`${what}: expected a shape of positive integers such as [784], found ${describe(shape)}`);
  }
  return [...shape];
}

/**
 * Collects parameter and state declarations while networks are built, then
 * binds them to one slab and one state block.
 */
export class ParamCollector implements BuildContext {
  private readonly params: Param[] = [];
  private readonly states: State[] = [];

  addParam(spec: ParamSpec): Param {
    const param = { spec, tensor: null as unknown as Tensor };
    this.params.push(param);
    return param;
  }

  addState(spec: StateSpec): State {
    const state = { spec, tensor: null as unknown as Tensor };
    this.states.push(state);
    return state;
  }

  bind(stateSlots: number): { slab: ParamSlab; states: StateBlock } {
    const specs = this.params.map((p) => p.spec);
    checkBind(specs, this.states.map((s) => s.spec), paddedCount(specs), stateSlots);
    const slab = new ParamSlab(this.params.map((p) => p.spec), stateSlots);
    slab.params.forEach((bound, i) => {
      this.params[i]!.tensor = bound.tensor;
    });
    const states = new StateBlock(this.states.map((s) => s.spec));
    states.states.forEach((bound, i) => {
      this.states[i]!.tensor = bound.tensor;
    });
    return { slab, states };
  }
}

/** Puts back a rate set during training; a file's value that the optimizer refuses is a format error. */
function setSavedRate(model: ModelBase, rate: unknown, what: string): void {
  try {
    model.optimizer.setLearningRate(rate as number);
  } catch {
    throw new ModelFormatError(`${what}.load: expected the saved learningRate to be a positive number beside a constant configured rate, found ${describe(rate)}`);
  }
}

export abstract class ModelBase implements Trainable {
  /** @internal Parameters, gradients and optimizer state, in one block of wasm memory. */
  readonly slab: ParamSlab;
  /** @internal Non-trainable state (batch-norm moving statistics). */
  readonly states: StateBlock;
  /** @internal The optimizer that updates the slab. */
  readonly optimizer: Optimizer;
  /** Training steps (batches) taken so far, saved with the model. */
  step = 0;
  /** Epochs trained so far, saved with the model. */
  epochsTrained = 0;
  /** The numerics profile (init's `numerics`) the weights were trained with: the engine's at create, the file's at load. */
  numerics: Numerics = getEngine().numerics;
  private disposed = false;

  protected constructor(
    /** Seeds initialization, shuffling and every random draw. */
    readonly seed: number,
    optimizer: OptimizerConfig | "adam" | "adamw" | "sgd" | undefined,
    params: ParamCollector,
  ) {
    this.optimizer = createOptimizer(optimizer);
    ({ slab: this.slab, states: this.states } = params.bind(this.optimizer.stateSlots));
  }

  /**
   * The model file: its JSON (format tag, config, counters) and tensors
   * (parameters, layer state, and with `optimizer` the optimizer's moments).
   */
  protected encodeFile(format: string, config: unknown, options: SaveOptions): Uint8Array {
    this.assertLive();
    const tensors = [...this.slab.read(), ...this.states.read()];
    const withOptimizer = options.optimizer !== false;
    if (withOptimizer) {
      const { arena } = getEngine();
      this.slab.regions.state.forEach((ptr, i) => tensors.push({ name: `optimizer.state${i}`, shape: [this.slab.count], data: arena.read(ptr, this.slab.count) }));
    }
    const meta: SavedMeta = { format, config, step: this.step, epochs: this.epochsTrained };
    if (this.numerics !== "exact") meta.numerics = this.numerics;
    if (withOptimizer) meta.optimizerSteps = this.optimizer.steps;
    if (withOptimizer && this.optimizer.learningRateOverride !== null) meta.learningRate = this.optimizer.learningRateOverride;
    return encodeModelFile(meta, tensors, coreCrc32);
  }

  /**
   * Decodes a model file of `format`, builds the model from its config and
   * restores its tensors. Every size the config declares is checked against
   * the file's tensors before anything is allocated (see load-check.ts).
   */
  protected static decodeFile<T extends ModelBase>(bytes: Uint8Array, format: string, what: string, build: (config: never) => T): T {
    const file = decodeModelFile(bytes, coreCrc32);
    const meta = file.config as Partial<SavedMeta> | null;
    if (!meta || typeof meta !== "object" || meta.format !== format || !meta.config) {
      throw new ModelFormatError(`${what}.load: expected a saved ${format}, found ${describe(meta && typeof meta === "object" ? meta.format ?? null : meta)}`);
    }
    const counters = checkCounters(meta, what);
    const numerics = savedNumerics(meta.numerics, what);
    assertFiniteTensors(file.tensors, `${what}.load`);
    let model: T;
    try {
      model = whileLoading(fileTensorCheck(file.tensors, counters.optimizerSteps !== null, `${what}.load`), () => build(meta.config as never));
    } catch (error) {
      if (error instanceof ModelFormatError) throw error;
      const reason = error instanceof AutoencoderError ? error.message : describe(String(error), 200);
      throw new ModelFormatError(`${what}.load: the saved config is invalid: ${reason}`);
    }
    try {
      model.slab.write(file.tensors);
      model.states.write(file.tensors);
      if (counters.optimizerSteps !== null) {
        const { arena } = getEngine();
        model.slab.regions.state.forEach((ptr, i) => arena.write(ptr, file.tensors.get(`optimizer.state${i}`)!.data));
        model.optimizer.steps = counters.optimizerSteps;
        if (meta.learningRate !== undefined) setSavedRate(model, meta.learningRate, what);
      }
    } catch (error) {
      model.dispose();
      throw error;
    }
    model.step = counters.step;
    model.epochsTrained = counters.epochs;
    model.numerics = numerics;
    return model;
  }

  abstract batchLoss(x: Tensor, target: Tensor, ctx: ForwardContext): LossParts;

  /** The model file (what a checkpoint keeps). */
  abstract save(options?: SaveOptions): Uint8Array;

  /** Networks in display order, for `summary()`. */
  protected abstract networks(): Network[];

  /** Number of trainable parameters; a disposed model throws a DisposedError, as summary() does. */
  get parameterCount(): number {
    this.assertLive();
    return this.slab.size;
  }

  /** A Keras-style table of layers, output shapes and parameter counts. */
  summary(): string {
    this.assertLive();
    const rows: [string, string, string][] = [["Layer (type)", "Output shape", "Params"]];
    for (const net of this.networks()) for (const [a, b, c] of summaryRows(net)) rows.push([a, b, String(c)]);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ");
    const rule = "-".repeat(widths[0]! + widths[1]! + widths[2]! + 4);
    return [line(rows[0]!), rule, ...rows.slice(1).map(line), rule, `Total params: ${this.slab.size}`].join("\n");
  }

  /** Frees the model's memory; any later use throws a DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.slab.dispose();
    this.states.dispose();
  }

  /** Whether dispose() was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  protected assertLive(): void {
    if (this.disposed) throw new DisposedError("this model was disposed; create or load a new one");
  }

  /** The inference context: no tape, running statistics, no noise. */
  protected inferenceContext(): ForwardContext {
    return { tape: null, training: false, seed: this.seed, step: this.step };
  }

  /**
   * Runs `fn` over `x` in batches of INFERENCE_BATCH rows and gathers its
   * `outCols`-wide outputs into one array the caller owns.
   */
  protected mapRows(x: Batch, outCols: number, what: string, fn: (batch: Tensor) => { ptr: number; size: number }): Float32Array {
    this.assertLive();
    const { arena } = getEngine();
    const out = new Float32Array(x.rows * outCols);
    for (let start = 0; start < x.rows; start += INFERENCE_BATCH) {
      const rows = Math.min(INFERENCE_BATCH, x.rows - start);
      arena.scoped(() => {
        const ptr = arena.scratch(rows * x.cols * 4);
        arena.write(ptr, x.data.subarray(start * x.cols, (start + rows) * x.cols));
        assertFinite(getEngine(), ptr, rows, x.cols, what);
        const y = fn(new Tensor(ptr, [rows, x.cols]));
        out.set(arena.f32.subarray(y.ptr >>> 2, (y.ptr >>> 2) + rows * outCols), start * outCols);
      });
    }
    return out;
  }

  protected batchOf(x: DataInput, shape: readonly number[], what: string): Batch {
    this.assertLive();
    return toBatch(x, shape, what);
  }
}
