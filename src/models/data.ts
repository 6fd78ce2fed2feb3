// User data in and out. Users pass `number[][]` or `{ data, shape }`; every
// method returns `{ data: Float32Array, shape }`, a copy the caller owns.
import { DataError, ShapeError } from "../errors.js";
import type { Engine } from "../wasm/module.js";
import { shapeText, sizeOf } from "../shape.js";

/** A dense row-major tensor that lives in JavaScript memory. */
export interface TensorData {
  /** The values, row-major (C order). */
  data: Float32Array;
  /** The dimensions; the first is the samples. */
  shape: number[];
}

/** What data-taking methods accept: rows of numbers, or a flat array with its shape. */
export type DataInput =
  | readonly (readonly number[])[]
  | {
      /** The values, row-major (C order). */
      data: Float32Array | readonly number[];
      /** The dimensions; the first is the samples, the rest one sample's shape. */
      shape: readonly number[];
    };

/** A batch of samples flattened to rows×cols, validated against a sample shape. */
export interface Batch {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Flattens `x` into rows of `sizeOf(sampleShape)` values. A flat tensor may
 * have shape [N, ...sampleShape] or [N, sizeOf(sampleShape)].
 */
export function toBatch(x: DataInput, sampleShape: readonly number[], what = "x"): Batch {
  const cols = sizeOf(sampleShape);
  if (Array.isArray(x)) {
    const rows = x.length;
    if (rows === 0) throw new DataError(`${what}: expected at least one sample of shape ${shapeText(sampleShape)}, found an empty array`);
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = x[r];
      if (!Array.isArray(row)) throw new ShapeError(`${what}: expected row ${r} to be an array of ${cols} numbers, found ${typeof row}`);
      if (row.length !== cols) {
        throw new ShapeError(`${what}: expected every row to have ${cols} values (sample shape ${shapeText(sampleShape)}), found ${row.length} in row ${r}`);
      }
      data.set(row, r * cols);
    }
    return { data, rows, cols };
  }
  const tensor = x as { data: Float32Array | readonly number[]; shape: readonly number[] };
  if (!tensor || !tensor.shape || !tensor.data) {
    throw new ShapeError(`${what}: expected number[][] or { data, shape }, found ${x === null ? "null" : typeof x}`);
  }
  const shape = tensor.shape;
  if (shape.length < 1 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${what}: expected a shape of non-negative integers, found ${shapeText(shape)}`);
  }
  const rows = shape[0]!;
  if (rows === 0) throw new DataError(`${what}: expected at least one sample of shape ${shapeText(sampleShape)}, found shape ${shapeText(shape)}`);
  const inner = shape.slice(1);
  const matches = sizeOf(inner) === cols && (inner.length === 1 || inner.join(",") === sampleShape.join(","));
  if (!matches) {
    throw new ShapeError(`${what}: expected shape ${shapeText(["N", ...sampleShape])} or ${shapeText(["N", cols])}, found ${shapeText(shape)}`);
  }
  if (tensor.data.length !== rows * cols) {
    throw new ShapeError(`${what}: shape ${shapeText(shape)} needs ${rows * cols} values, found ${tensor.data.length}`);
  }
  const data = tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);
  return { data, rows, cols };
}

/** Throws a DataError naming the sample and feature of the first NaN or ±Infinity in memory. */
export function assertFinite(engine: Engine, ptr: number, rows: number, cols: number, what = "x"): void {
  const at = engine.kernels.f32_first_nonfinite(ptr, rows * cols);
  if (at < 0) return;
  const value = engine.arena.f32[(ptr >>> 2) + at];
  throw new DataError(
    `${what}: expected finite numbers, found ${value} at sample ${Math.floor(at / cols)}, feature ${at % cols}`,
  );
}

/** Wraps rows copied out of memory as a user-facing tensor. */
export function tensorOut(data: Float32Array, rows: number, sampleShape: readonly number[]): TensorData {
  return { data, shape: [rows, ...sampleShape] };
}
