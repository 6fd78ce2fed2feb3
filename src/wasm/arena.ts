// The one owner of the linear memory. Two kinds of allocation:
// - persistent blocks (parameters, optimizer state, datasets), first-fit from
//   a free list that coalesces neighbours, returned by `free`;
// - scratch (activations, gradients and temporaries of one step), bumped from
//   chunks and released as a whole back to a mark. After a step that needed
//   several chunks, the chunks are merged into one of the high-water size, so
//   the next identical step allocates nothing new.
// The wasm core never allocates: every pointer it sees comes from here.

import { AutoencoderError, ResourceError } from "../errors.js";

const PAGE = 65536;
/** A wasm32 memory holds at most 65,536 pages (4 GiB). */
const MAX_PAGES = 65536;
/** Cache-line alignment: also satisfies v128 and f64 alignment. */
const ALIGN = 64;
const MIN_SCRATCH_CHUNK = 1 << 20;

interface Block {
  ptr: number;
  size: number;
}

/** A position in the scratch stack, from `Arena.mark()`. */
export interface ScratchMark {
  readonly chunk: number;
  readonly offset: number;
  readonly inUse: number;
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

export class Arena {
  private top: number;
  private readonly freeBlocks: Block[] = [];
  private readonly liveSizes = new Map<number, number>();
  private chunks: Block[] = [];
  private chunkIndex = 0;
  private chunkOffset = 0;
  private scratchInUse = 0;
  private scratchPeak = 0;
  private viewBuffer: ArrayBuffer | null = null;
  private f32View = new Float32Array(0);
  private u32View = new Uint32Array(0);
  private u8View = new Uint8Array(0);

  constructor(readonly memory: WebAssembly.Memory, heapBase: number) {
    this.top = alignUp(heapBase, ALIGN);
  }

  /**
   * Allocates a persistent block of at least `bytes`, until `free(ptr)`;
   * `what` names it in the ResourceError thrown when memory runs out.
   */
  alloc(bytes: number, what = "a block of memory"): number {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    for (let i = 0; i < this.freeBlocks.length; i++) {
      const block = this.freeBlocks[i]!;
      if (block.size < size) continue;
      const ptr = block.ptr;
      if (block.size === size) this.freeBlocks.splice(i, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
      this.liveSizes.set(ptr, size);
      return ptr;
    }
    const ptr = this.top;
    this.ensureCapacity(ptr + size, what, bytes);
    this.top = ptr + size;
    this.liveSizes.set(ptr, size);
    return ptr;
  }

  /** Returns a persistent block. Freeing a pointer twice is an error. */
  free(ptr: number): void {
    const size = this.liveSizes.get(ptr);
    if (size === undefined) throw new AutoencoderError(`arena: expected a live pointer to free, found ${ptr}`);
    this.liveSizes.delete(ptr);
    let i = 0;
    while (i < this.freeBlocks.length && this.freeBlocks[i]!.ptr < ptr) i++;
    this.freeBlocks.splice(i, 0, { ptr, size });
    // Coalesce with the next, then the previous neighbour.
    const next = this.freeBlocks[i + 1];
    if (next && ptr + size === next.ptr) {
      this.freeBlocks[i]!.size += next.size;
      this.freeBlocks.splice(i + 1, 1);
    }
    const prev = this.freeBlocks[i - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.freeBlocks[i]!.size;
      this.freeBlocks.splice(i, 1);
      i--;
    }
    const last = this.freeBlocks[this.freeBlocks.length - 1]!;
    if (last.ptr + last.size === this.top) {
      this.top = last.ptr;
      this.freeBlocks.pop();
    }
  }

  /** Allocates `bytes` of scratch, valid until `release` to an earlier mark. */
  scratch(bytes: number, what = "scratch memory"): number {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    for (;;) {
      const chunk = this.chunks[this.chunkIndex];
      if (chunk && this.chunkOffset + size <= chunk.size) {
        const ptr = chunk.ptr + this.chunkOffset;
        this.chunkOffset += size;
        this.scratchInUse += size;
        if (this.scratchInUse > this.scratchPeak) this.scratchPeak = this.scratchInUse;
        return ptr;
      }
      if (chunk && this.chunkIndex + 1 < this.chunks.length) {
        this.scratchInUse += chunk.size - this.chunkOffset;
        this.chunkIndex++;
        this.chunkOffset = 0;
        continue;
      }
      if (chunk) this.scratchInUse += chunk.size - this.chunkOffset;
      let chunkSize = Math.max(size, MIN_SCRATCH_CHUNK, this.scratchInUse);
      let ptr: number;
      try {
        ptr = this.alloc(chunkSize, what);
      } catch (error) {
        // The doubled chunk did not fit: a chunk of just this request may.
        if (!(error instanceof ResourceError) || chunkSize === size) throw error;
        chunkSize = size;
        ptr = this.alloc(chunkSize, what);
      }
      this.chunks.push({ ptr, size: alignUp(chunkSize, ALIGN) });
      this.chunkIndex = this.chunks.length - 1;
      this.chunkOffset = 0;
    }
  }

  /** The current scratch position, to `release` back to. */
  mark(): ScratchMark {
    return { chunk: this.chunkIndex, offset: this.chunkOffset, inUse: this.scratchInUse };
  }

  /** Frees all scratch allocated since `mark` (all scratch when omitted). */
  release(mark?: ScratchMark): void {
    if (mark && (mark.chunk > 0 || mark.offset > 0)) {
      this.chunkIndex = mark.chunk;
      this.chunkOffset = mark.offset;
      this.scratchInUse = mark.inUse;
      return;
    }
    this.chunkIndex = 0;
    this.chunkOffset = 0;
    this.scratchInUse = 0;
    if (this.chunks.length > 1) {
      // Merge into one chunk of the peak size, so the next step fits in it.
      for (let i = this.chunks.length - 1; i >= 0; i--) this.free(this.chunks[i]!.ptr);
      this.chunks = [{ ptr: this.alloc(this.scratchPeak), size: alignUp(this.scratchPeak, ALIGN) }];
    }
  }

  /** Runs `fn`, then releases whatever scratch it allocated. */
  scoped<T>(fn: () => T): T {
    const mark = this.mark();
    try {
      return fn();
    } finally {
      this.release(mark);
    }
  }

  /** Bytes of memory the module has (grows, never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Largest scratch in use at once since creation. */
  get scratchHighWater(): number {
    return this.scratchPeak;
  }

  /** Bytes held by live persistent blocks (scratch chunks included). */
  get liveBytes(): number {
    let total = 0;
    for (const size of this.liveSizes.values()) total += size;
    return total;
  }

  get f32(): Float32Array {
    this.refreshViews();
    return this.f32View;
  }

  get u32(): Uint32Array {
    this.refreshViews();
    return this.u32View;
  }

  get u8(): Uint8Array {
    this.refreshViews();
    return this.u8View;
  }

  /** Copies `values` into memory at `ptr`. */
  write(ptr: number, values: ArrayLike<number>): void {
    this.f32.set(values, ptr >>> 2);
  }

  /** Copies `n` floats out of memory at `ptr` into a new array the caller owns. */
  read(ptr: number, n: number): Float32Array {
    const start = ptr >>> 2;
    return this.f32.slice(start, start + n);
  }

  private ensureCapacity(end: number, what: string, bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const needed = Math.ceil((end - have) / PAGE);
    // Grow at least geometrically (25%) so a run of small allocations stays
    // cheap; when that much is not to be had, ask for the exact size.
    const headroom = Math.min(Math.max(needed, Math.ceil(have / PAGE / 4)), MAX_PAGES - have / PAGE);
    for (const pages of headroom > needed ? [headroom, needed] : [needed]) {
      if (this.tryGrow(pages)) return;
    }
    throw new ResourceError(`out of memory allocating ${what}: expected ${bytes} more bytes to fit in the wasm memory (${have} bytes now, at most ${MAX_PAGES * PAGE}), found it cannot grow to ${end} bytes`);
  }

  private tryGrow(pages: number): boolean {
    if (!(pages > 0) || this.memory.buffer.byteLength / PAGE + pages > MAX_PAGES) return false;
    try {
      this.memory.grow(pages);
      return true;
    } catch (error) {
      // Memory.grow throws RangeError when the engine refuses the pages.
      if (error instanceof RangeError) return false;
      throw error;
    }
  }

  private refreshViews(): void {
    // Growing the memory detaches the old buffer; views must follow it.
    const buffer = this.memory.buffer;
    if (buffer === this.viewBuffer) return;
    this.viewBuffer = buffer;
    this.f32View = new Float32Array(buffer);
    this.u32View = new Uint32Array(buffer);
    this.u8View = new Uint8Array(buffer);
  }
}
