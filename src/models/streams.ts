// The random streams of a model. Every draw is keyed by (seed, stream,
// counter), so training is reproducible whatever else runs in between.
export const STREAM = {
  /** counter = epoch */
  shuffle: 1,
  /** counter = global step */
  noise: 2,
  /** counter = global step */
  dropout: 3,
  /** counter = global step (training) or call index (sampling) */
  sample: 4,
  /** a streamed pass's shuffle buffer: counter block (draw / 4, epoch, pass in the epoch, 0) */
  shuffleBuffer: 5,
  /** parameter i uses stream initBase + i, counter 0 */
  initBase: 1 << 16,
} as const;
