// The persistent slab of a model: parameters, gradients and each optimizer
// state slot as contiguous regions of `count` floats, so an optimizer step is
// one kernel call. Each tensor starts on a 64-byte boundary; the padding
// stays zero in every region, so updates leave it zero.
import { ModelFormatError } from "../errors.js";
import type { NamedTensor } from "../io/safetensors.js";
import type { Param, ParamSpec, StateSpec } from "../layers/layer.js";
import { copyFloats } from "../ops/optimizer-update.js";
import { Tensor } from "../ops/tensor.js";
import type { ParamRegions } from "../optim/optimizer.js";
import { getEngine } from "../wasm/module.js";
import { STREAM } from "../ops/streams.js";
import { shapeText, sizeOf } from "../shape.js";

const FLOATS_PER_LINE = 16;

/** Floats in one slab region for these parameters: each starts on a 64-byte line. */
export function paddedCount(specs: readonly { shape: readonly number[] }[]): number {
  let offset = 0;
  for (const spec of specs) offset += Math.ceil(sizeOf(spec.shape) / FLOATS_PER_LINE) * FLOATS_PER_LINE;
  return offset;
}

/** What a slab snapshot holds: "best" the parameters, "update" the parameters and the optimizer state. */
export type SnapshotKind = "best" | "update";

export class ParamSlab {
  readonly params: Param[] = [];
  readonly count: number;
  readonly regions: ParamRegions;
  private readonly block: number;
  private readonly offsets: number[] = [];
  private readonly snapshots: Record<SnapshotKind, number> = { best: 0, update: 0 };

  constructor(specs: readonly ParamSpec[], stateSlots: number) {
    let offset = 0;
    for (const spec of specs) {
      this.offsets.push(offset);
      offset += Math.ceil(sizeOf(spec.shape) / FLOATS_PER_LINE) * FLOATS_PER_LINE;
    }
    this.count = offset;
    const { arena, kernels } = getEngine();
    const regionCount = 2 + stateSlots;
    this.block = arena.alloc(Math.max(regionCount * this.count * 4, 4), "the parameters, gradients and optimizer state of a model");
    kernels.f32_fill(this.block, 0, regionCount * this.count);
    const region = (i: number) => this.block + i * this.count * 4;
    this.regions = {
      params: region(0),
      grads: region(1),
      state: Array.from({ length: stateSlots }, (_, i) => region(2 + i)),
      count: this.count,
      bounds: arena.alloc((specs.length + 1) * 4, "the tensor bounds of a model's slab"),
      tensors: specs.length,
    };
    const bounds = this.regions.bounds! >>> 2;
    this.offsets.forEach((o, i) => (arena.u32[bounds + i] = o));
    arena.u32[bounds + specs.length] = this.count;
    specs.forEach((spec, i) => {
      const ptr = this.regions.params + this.offsets[i]! * 4;
      const tensor = new Tensor(ptr, spec.shape, true);
      tensor.grad = new Tensor(this.regions.grads + this.offsets[i]! * 4, spec.shape);
      this.params.push({ spec, tensor });
    });
  }

  /** Number of trainable values (without padding). */
  get size(): number {
    return this.params.reduce((n, p) => n + p.tensor.size, 0);
  }

  /** Draws every parameter from its initializer, parameter i from its own stream. */
  initialize(seed: number): void {
    const k = getEngine().kernels;
    this.params.forEach(({ spec, tensor }, i) => {
      const stream = STREAM.initBase + i;
      const n = tensor.size;
      switch (spec.init) {
        case "zeros": k.f32_fill(tensor.ptr, 0, n); break;
        case "ones": k.f32_fill(tensor.ptr, 1, n); break;
        case "glorotUniform": {
          const limit = Math.sqrt(6 / (spec.fanIn + spec.fanOut));
          k.f32_rand_uniform(tensor.ptr, n, seed, stream, 0, -limit, limit);
          break;
        }
        case "heUniform": {
          const limit = Math.sqrt(6 / spec.fanIn);
          k.f32_rand_uniform(tensor.ptr, n, seed, stream, 0, -limit, limit);
          break;
        }
        case "torchUniform": {
          const limit = 1 / Math.sqrt(spec.fanIn);
          k.f32_rand_uniform(tensor.ptr, n, seed, stream, 0, -limit, limit);
          break;
        }
        // Plain (not truncated) normals, unlike Keras' defaults.
        case "glorotNormal": k.f32_rand_normal(tensor.ptr, n, seed, stream, 0, 0, Math.sqrt(2 / (spec.fanIn + spec.fanOut))); break;
        case "heNormal": k.f32_rand_normal(tensor.ptr, n, seed, stream, 0, 0, Math.sqrt(2 / spec.fanIn)); break;
      }
    });
  }

  /** Zeroes the gradients a backward did not reach, so no stale gradient is applied. */
  zeroGradsExcept(reached: (t: Tensor) => boolean): void {
    const k = getEngine().kernels;
    for (const { tensor } of this.params) if (!reached(tensor)) k.f32_fill(tensor.grad!.ptr, 0, tensor.size);
  }

  /**
   * Keeps a copy of the parameters: "best" holds the best epoch's weights
   * (early stopping), "update" the parameters and optimizer state from before
   * the latest update, to go back to if it diverges. Each kind has one copy.
   */
  snapshot(kind: SnapshotKind): void {
    const block = this.snapshotBlock(kind);
    this.snapshotRegions(kind).forEach((ptr, i) => copyFloats(block + i * this.count * 4, ptr, this.count));
  }

  /**
   * The block of `kind`'s snapshot (allocated on first use), for a writer that
   * fills it itself: an optimizer step keeps the "update" copy in its own pass.
   * Its layout: the parameters, then each optimizer state region, `count` floats each.
   */
  snapshotBlock(kind: SnapshotKind): number {
    const block = this.snapshots[kind];
    return block || (this.snapshots[kind] = getEngine().arena.alloc(this.snapshotRegions(kind).length * this.count * 4));
  }

  /** Puts back the copy `snapshot(kind)` kept; false when there is none. */
  restoreSnapshot(kind: SnapshotKind): boolean {
    const block = this.snapshots[kind];
    if (!block) return false;
    this.snapshotRegions(kind).forEach((ptr, i) => copyFloats(ptr, block + i * this.count * 4, this.count));
    return true;
  }

  /** Frees every snapshot. */
  dropSnapshots(): void {
    const { arena } = getEngine();
    for (const kind of ["best", "update"] as const) {
      if (this.snapshots[kind]) arena.free(this.snapshots[kind]);
      this.snapshots[kind] = 0;
    }
  }

  private snapshotRegions(kind: SnapshotKind): number[] {
    return kind === "best" ? [this.regions.params] : [this.regions.params, ...this.regions.state];
  }

  /** Copies every parameter out, by name. */
  read(): NamedTensor[] {
    return readNamed(this.params);
  }

  /** Writes parameters by name; every parameter must be given, with its exact shape. */
  write(tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): void {
    writeNamed(this.params, tensors);
  }

  dispose(): void {
    this.dropSnapshots();
    getEngine().arena.free(this.regions.bounds!);
    getEngine().arena.free(this.block);
  }
}

/** Non-trainable state (running statistics): one block, saved beside the parameters. */
export class StateBlock {
  readonly states: { spec: StateSpec; tensor: Tensor }[] = [];
  private readonly block: number;
  private readonly count: number;
  private snapshotBlock = 0;

  constructor(specs: readonly StateSpec[]) {
    const { arena, kernels } = getEngine();
    let offset = 0;
    const offsets = specs.map((spec) => {
      const at = offset;
      offset += Math.ceil(sizeOf(spec.shape) / FLOATS_PER_LINE) * FLOATS_PER_LINE;
      return at;
    });
    this.count = offset;
    this.block = offset > 0 ? arena.alloc(offset * 4, "the layer state of a model") : 0;
    specs.forEach((spec, i) => {
      const tensor = new Tensor(this.block + offsets[i]! * 4, spec.shape);
      kernels.f32_fill(tensor.ptr, spec.fill, tensor.size);
      this.states.push({ spec, tensor });
    });
  }

  /** Keeps a copy of the state (a step's forward updates running statistics before its loss is known). */
  snapshot(): void {
    if (!this.count) return;
    const { arena, kernels } = getEngine();
    if (!this.snapshotBlock) this.snapshotBlock = arena.alloc(this.count * 4);
    kernels.f32_copy(this.snapshotBlock, this.block, this.count);
  }

  restoreSnapshot(): void {
    if (this.snapshotBlock) getEngine().kernels.f32_copy(this.block, this.snapshotBlock, this.count);
  }

  read(): NamedTensor[] {
    return readNamed(this.states);
  }

  write(tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): void {
    writeNamed(this.states, tensors);
  }

  dispose(): void {
    const { arena } = getEngine();
    if (this.block) arena.free(this.block);
    if (this.snapshotBlock) arena.free(this.snapshotBlock);
  }
}

function readNamed(entries: readonly { spec: { name: string; shape: number[] }; tensor: Tensor }[]): NamedTensor[] {
  const { arena } = getEngine();
  return entries.map(({ spec, tensor }) => ({ name: spec.name, shape: [...spec.shape], data: arena.read(tensor.ptr, tensor.size) }));
}

function writeNamed(entries: readonly { spec: { name: string; shape: number[] }; tensor: Tensor }[], tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): void {
  const { arena } = getEngine();
  for (const { spec, tensor } of entries) {
    const t = tensors.get(spec.name);
    if (!t) throw new ModelFormatError(`model file: expected a tensor named "${spec.name}", found none`);
    if (t.shape.join(",") !== spec.shape.join(",") || t.data.length !== tensor.size) {
      throw new ModelFormatError(`model file: expected "${spec.name}" of shape ${shapeText(spec.shape)}, found ${shapeText(t.shape)}`);
    }
    arena.write(tensor.ptr, t.data);
  }
}
