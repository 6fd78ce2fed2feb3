// Model files as the command line sees them: the kind is read from the file's
// format tag (see src/apps/estimator.ts saveFile and src/models/base.ts), and
// every kind is wrapped in one small surface the commands use.
import { AnomalyDetector } from "../apps/anomaly-detector.js";
import { Denoiser } from "../apps/denoiser.js";
import type { AutoencoderEstimator } from "../apps/estimator.js";
import { FeatureExtractor } from "../apps/feature-extractor.js";
import { Reducer } from "../apps/reducer.js";
import { AutoencoderError, describe, ModelFormatError } from "../errors.js";
import { decodeModelFile } from "../io/model-file.js";
import { Autoencoder } from "../models/autoencoder.js";
import type { TensorData } from "../models/data.js";
import { VAE } from "../models/vae.js";
import { init } from "../wasm/module.js";
import { FileError, readBytes } from "./data.js";
import { shapeText, sizeOf } from "../shape.js";

/** What a model file holds, by its format tag. */
const KINDS: Record<string, string> = {
  "autoencoders/reducer": "an autoencoder (Reducer)",
  "autoencoders/feature-extractor": "an autoencoder (FeatureExtractor)",
  "autoencoders/anomaly-detector": "a detector (AnomalyDetector)",
  "autoencoders/denoiser": "a denoiser (Denoiser)",
  autoencoder: "a plain Autoencoder",
  vae: "a vae (VAE / Generator)",
};

/** The operations of the commands, whatever the kind. */
export interface LoadedModel {
  /** What the file holds, for messages: "a detector (AnomalyDetector)". */
  readonly description: string;
  readonly sampleShape: readonly number[];
  /** Codes: [N, code width]. */
  encode(x: TensorData): TensorData;
  /** Reconstructions in the data's units (denoised for a denoiser): [N, ...sampleShape]. */
  reconstruct(x: TensorData): TensorData;
  /** Per-sample mean squared reconstruction error, in the units the model sees (after its saved scaler). */
  scores(x: TensorData): Float32Array;
  /** A detector's threshold, training scores and per-feature shares of each sample's error (AnomalyDetector.explain). */
  readonly detector?: { threshold: number; trainingScores: Float32Array; explain(x: TensorData): TensorData };
  /** New samples, for a VAE. */
  sample?(n: number, seed: number | undefined): TensorData;
  dispose(): void;
}

/** Reads and loads a model file of any kind; a damaged or foreign file is a FileError naming the path and the reason. */
export async function loadModel(path: string): Promise<LoadedModel> {
  const bytes = await readBytes(path);
  await init();
  try {
    const meta = decodeModelFile(bytes).config as { format?: unknown } | null;
    const format = meta && typeof meta === "object" ? meta.format : undefined;
    switch (format) {
      case "autoencoders/reducer":
        return estimatorModel(await Reducer.load(bytes), KINDS[format]!);
      case "autoencoders/feature-extractor":
        return estimatorModel(await FeatureExtractor.load(bytes), KINDS[format]!);
      case "autoencoders/denoiser":
        return estimatorModel(await Denoiser.load(bytes), KINDS[format]!);
      case "autoencoders/anomaly-detector": {
        const detector = await AnomalyDetector.load(bytes);
        // A detector's scores are its decision function (an ensemble's combined score), not the first model's error.
        return {
          ...estimatorModel(detector, KINDS[format]!),
          scores: (x) => detector.decisionFunction(x),
          detector: { threshold: detector.threshold, trainingScores: detector.decisionScores, explain: (x) => detector.explain(x) },
        };
      }
      case "autoencoder":
        return autoencoderModel(await Autoencoder.load(bytes));
      case "vae":
        return vaeModel(await VAE.load(bytes));
      default:
        throw new ModelFormatError(`expected a model of format ${Object.keys(KINDS).map((k) => JSON.stringify(k)).join(", ")}, found format ${describe(format ?? null)}`);
    }
  } catch (error) {
    if (error instanceof AutoencoderError) throw new FileError(`${path}: ${error.message}`);
    throw error;
  }
}

function estimatorModel(estimator: AutoencoderEstimator, description: string): LoadedModel {
  const { model, scaler, sampleShape } = estimator;
  const scaled = (x: TensorData) => (scaler ? scaler.transform(x) : x);
  return {
    description,
    sampleShape,
    encode: (x) => model.encode(scaled(x)),
    reconstruct(x) {
      const out = model.reconstruct(scaled(x));
      return scaler ? scaler.inverseTransform({ data: out.data, shape: [out.shape[0]!, ...sampleShape] }) : out;
    },
    scores: (x) => model.reconstructionError(scaled(x)),
    dispose: () => estimator.dispose(),
  };
}

function autoencoderModel(model: Autoencoder): LoadedModel {
  return {
    description: KINDS.autoencoder!,
    sampleShape: [...model.inputShape],
    encode: (x) => model.encode(x),
    reconstruct: (x) => model.reconstruct(x),
    scores: (x) => model.reconstructionError(x),
    dispose: () => model.dispose(),
  };
}

function vaeModel(model: VAE): LoadedModel {
  return {
    description: KINDS.vae!,
    sampleShape: [...model.inputShape],
    encode: (x) => model.encode(x),
    reconstruct: (x) => model.reconstruct(x),
    scores: (x) => model.reconstructionError(x),
    sample: (n, seed) => model.sample(n, seed === undefined ? {} : { seed }),
    dispose: () => model.dispose(),
  };
}

/** x as [N, ...the model's sample shape]; data with another number of values per sample is a FileError naming both. */
export function samplesFor(model: LoadedModel, x: TensorData, path: string): TensorData {
  const expected = sizeOf(model.sampleShape);
  const found = sizeOf(x.shape.slice(1));
  if (found !== expected) {
    throw new FileError(
      `${path}: expected ${expected} features per sample (the model's input shape ${shapeText(model.sampleShape)}), ` +
        `found ${found} (data shape ${shapeText(x.shape)})`,
    );
  }
  return { data: x.data, shape: [x.shape[0]!, ...model.sampleShape] };
}
