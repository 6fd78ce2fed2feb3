// The encoder as a feature extractor: trained on unlabelled data to
// reconstruct it, then `transform` maps samples to codes for a classifier
// (classifiers.ts) trained on few labels. A Reducer with a wider default code.
import { Reducer, type ReducerOptions } from "./reducer.js";

/** Options of FeatureExtractor: a Reducer's, with a default code of 32. */
export interface FeatureExtractorOptions extends ReducerOptions {
  /** Width of the code (the features). Default 32, or the given model's. */
  codeSize?: number;
}

/** Default width of the learned features. */
const DEFAULT_FEATURES = 32;

/** The encoder as a feature extractor: a Reducer with a wider default code (32), whose codes feed a classifier trained on few labels. */
export class FeatureExtractor extends Reducer {
  protected override readonly className: string = "FeatureExtractor";
  constructor(options: FeatureExtractorOptions = {}) {
    const given = options?.codeSize ?? options?.nComponents ?? options?.latent;
    super(given === undefined && !options?.model ? { ...options, codeSize: DEFAULT_FEATURES } : options);
  }

  protected override fileKind(): string {
    return "feature-extractor";
  }
}
