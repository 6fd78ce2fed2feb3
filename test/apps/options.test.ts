// Unknown option keys from plain JavaScript (no excess-property check there):
// refused with a ConfigError that names the valid keys and the nearest one.
import { describe, expect, test } from "vitest";
import {
  AnomalyDetector, Autoencoder, ConfigError, Denoiser, FeatureExtractor, Generator, layers, MinMaxScaler, PCA, Reducer, StandardScaler, VAE,
} from "../../src/index.js";
import { checkOptionKeys } from "../../src/options.js";

/** The error a call throws (synchronously or as a rejection). */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

const loose = (o: object): any => o;

describe("unknown option keys", () => {
  test.each([
    ["AnomalyDetector", () => new AnomalyDetector(loose({ contamnation: 0.05 })), "contamnation", "contamination"],
    ["Reducer", () => new Reducer(loose({ ncomponents: 2 })), "ncomponents", "nComponents"],
    ["FeatureExtractor", () => new FeatureExtractor(loose({ epoch: 3 })), "epoch", "epochs"],
    ["Denoiser", () => new Denoiser(loose({ codesize: 4 })), "codesize", "codeSize"],
    ["Generator", () => new Generator(loose({ latnet: 4 })), "latnet", "latent"],
    ["PCA", () => new PCA(loose({ nComponents: 2, whitten: true })), "whitten", "whiten"],
    ["StandardScaler", () => new StandardScaler(loose({ withMeans: false })), "withMeans", "withMean"],
    ["MinMaxScaler", () => new MinMaxScaler(loose({ range: [0, 1] })), "range", undefined],
  ])("%s: a typo is a ConfigError with the valid keys and a suggestion", async (name, call, key, near) => {
    const error = await thrown(call);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(`${name}: unknown option "${key}"`), message).toBe(true);
    if (near) expect(message).toContain(`(did you mean "${near}"?)`);
    else expect(message).not.toContain("did you mean");
    expect(message).toMatch(/; valid options: \w+(, \w+)+$/);
  });

  test("the estimators' valid keys include the training and fit options", async () => {
    const message = ((await thrown(() => new Reducer(loose({ foo: 1 })))) as Error).message;
    expect(message).toBe(
      'Reducer: unknown option "foo"; valid options: batchSize, callbacks, codeSize, earlyStopping, epochs, hiddenSizes, latent, learningRate, model, nComponents, ' +
        "onBatchEnd, onEpochBegin, onEpochEnd, scaler, seed, shuffle, signal, validationSplit, verbose, yieldEveryMs",
    );
  });

  test("Autoencoder.create, VAE.create and fit refuse unknown keys too", async () => {
    const config = { input: [4], encoder: [layers.dense(2)], decoder: [layers.dense(4)], seed: 1 };
    const create = await thrown(() => Autoencoder.create(loose({ ...config, los: "bce" })));
    expect(create).toBeInstanceOf(ConfigError);
    expect((create as Error).message).toMatch(/^Autoencoder\.create: unknown option "los" \(did you mean "loss"\?\); valid options: /);
    const vae = await thrown(() => VAE.create(loose({ ...config, latent: 2, bta: 1 })));
    expect((vae as Error).message).toMatch(/^VAE\.create: unknown option "bta" \(did you mean "beta"\?\)/);
    const ae = await Autoencoder.create(config);
    try {
      const fit = await thrown(() => ae.fit([[0, 1, 2, 3]], loose({ epocs: 2 })));
      expect(fit).toBeInstanceOf(ConfigError);
      expect((fit as Error).message).toMatch(/^Autoencoder\.fit: unknown option "epocs" \(did you mean "epochs"\?\); valid options: .*validationData/);
      expect(await ae.fit([[0, 1, 2, 3]], { epochs: 1, batchSize: 1 })).toBeDefined();
    } finally {
      ae.dispose();
    }
  });

  test("the suggestion is the nearest key within a third of its length; a hostile key is quoted within a bound", () => {
    const valid = ["epochs", "batchSize", "validationSplit"];
    expect(() => checkOptionKeys("f", { batchsize: 1 }, valid)).toThrow('unknown option "batchsize" (did you mean "batchSize"?)');
    expect(() => checkOptionKeys("f", { ephocs: 1 }, valid)).toThrow('(did you mean "epochs"?)');
    expect(() => checkOptionKeys("f", { colour: 1 }, valid)).toThrow(/unknown option "colour"; valid/);
    const long = "x".repeat(10_000);
    const message = ((): string => {
      try {
        checkOptionKeys("f", { [long]: 1 }, valid);
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    })();
    expect(message.length).toBeLessThan(200);
    expect(() => checkOptionKeys("f", { epochs: 1, batchSize: 2 }, valid)).not.toThrow();
    expect(() => checkOptionKeys("f", undefined, valid)).not.toThrow();
  });
});
