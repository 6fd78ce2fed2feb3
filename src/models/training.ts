// What a model's fit() runs, in a module of its own: the default bundle loads
// it (dist/training.js) with the first fit, so that a program that only loads
// models and runs them neither downloads nor parses the training loop, the
// streamed data's shuffling and the progress printer.
import type { Batch, DataInput } from "./data.js";
import { fitLoop, type History, type Trainable } from "./fit.js";
import { fitDataOf, type ModelFitOptions, type SampleStream } from "./stream-data.js";

/** Trains `model` on `x`, arrays made into rows by `batchOf` or a stream (stream-data.ts). */
export function train(model: Trainable, x: DataInput | SampleStream, options: ModelFitOptions, sampleShape: readonly number[], batchOf: (d: DataInput, what: string) => Batch): Promise<History> {
  return fitLoop(model, fitDataOf(x, options, sampleShape, batchOf), options);
}
