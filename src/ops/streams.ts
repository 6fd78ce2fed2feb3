// The random streams of a model. Every draw is keyed by (seed, stream,
// counter), so training is reproducible whatever else runs in between. All
// stream ids live here, so no two uses can share one by accident. In ops/,
// the lowest layer that draws, so layers and models alike may import it.
export const STREAM = {
  /** counter = epoch */
  shuffle: 1,
  /** counter = global step */
  noise: 2,
  /** The high byte of a Dropout layer's stream: (dropout << 24) | a 24-bit hash of the layer's name; counter = global step. */
  dropout: 3,
  /** counter = global step (training) or call index (sampling) */
  sample: 4,
  /** a streamed pass's shuffle buffer: counter block (draw / 4, epoch, pass in the epoch, 0) */
  shuffleBuffer: 5,
  /** A VAE's ε when evaluating: sample i of the data evaluated draws with counter i (sample + 0x100). */
  vaeEvaluate: 0x104,
  /** A VAE's draws from the prior in sample(n): counter = earlier unseeded calls (sample + 0x200). */
  vaePrior: 0x204,
  /** A VAE's draws from the prior in sample(n, { seed }): counter = seed. */
  vaePriorSeeded: 0x205,
  /** A VAE's importance samples in logLikelihood(): counter = the importance sample's index (sample + 0x300). */
  vaeImportance: 0x304,
  /** addNoise outside training, counter 0 (the bytes "NOIS"). */
  addNoise: 0x4e4f4953,
  /** parameter i uses stream initBase + i, counter 0 */
  initBase: 1 << 16,
} as const;
