// The default detector's ensemble in its saved file: state.ensemble holds the
// format version, every member's score statistics, the configs of the members
// after the first (whose weights are the estimator's model) and the PCA
// term's statistics; tensors hold the further members' weights
// ("member<m>.<name>"), each member's reference codes ("reference<m>") and
// samples ("input<m>"), and the PCA term's axes ("pca_mean",
// "pca_components"). Model files come from strangers: every part is checked
// (shapes, finiteness, counts) and a bad one refused with a ModelFormatError.
import { describe, ModelFormatError } from "../errors.js";
import { Autoencoder } from "../models/autoencoder.js";
import type { SaveOptions } from "../models/base.js";
import { coreCrc32 } from "../models/checksum.js";
import { decodeModelFile, encodeModelFile, type NamedTensor } from "../io/model-file.js";
import { shapeText, sizeOf } from "../shape.js";
import { checkMemberStats, checkReference, type MemberStats, type PcaTerm } from "./anomaly-ensemble.js";
import { checkPcaAxes } from "./anomaly-pca.js";

/**
 * Version of the saved ensemble (state.ensemble); files without one hold a
 * single model. 5: as 4, plus the PCA term (state.ensemble.pca: median and
 * MAD; tensors "pca_mean", "pca_components"). 4: as 3, and a member may also
 * hold the scaled samples it kept as tensor "input<m>" with their distance's
 * statistics (inputMedian, inputMad), the input-space neighbour distance;
 * still read (scored without a PCA term). 3: trimmed members scored by
 * reconstruction error and code-space neighbour distance, reference codes as
 * tensors "reference<m>"; still read (its members have no input term). 2
 * (code distance to the codes' mean) is no longer read.
 */
export const ENSEMBLE_VERSION = 5;
/** Ensemble versions load reads. */
const READ_VERSIONS: readonly number[] = [3, 4, 5];
/** Names of the PCA term's tensors. */
const PCA_MEAN = "pca_mean";
const PCA_COMPONENTS = "pca_components";

/** What a fitted ensemble holds beside its first member (the estimator's model). */
export interface EnsembleParts {
  /** Members after the first. */
  others: Autoencoder[];
  /** Every member's score statistics, reference codes and input references (or null). */
  stats: MemberStats[];
  references: Float32Array[];
  inputs: (Float32Array | null)[];
  /** Null for files of format 4 and before. */
  pca: PcaTerm | null;
}

/** The ensemble's saved state and tensors; `first` is the estimator's model (member 0), saved by the estimator. */
export function saveEnsemble(parts: EnsembleParts, first: Autoencoder, sampleShape: readonly number[], options: SaveOptions): { state: Record<string, unknown>; tensors: NamedTensor[] } {
  const tensors: NamedTensor[] = [];
  const width = sizeOf(first.codeShape);
  parts.references.forEach((codes, m) => tensors.push({ name: `reference${m}`, shape: [codes.length / width, width], data: codes }));
  const features = sizeOf(sampleShape);
  parts.inputs.forEach((samples, m) => samples && tensors.push({ name: `input${m}`, shape: [samples.length / features, features], data: samples }));
  // Each further member: its own autoencoder file config, its weights under "member<m>.".
  const autoencoders = parts.others.map((member, i) => {
    const file = decodeModelFile(member.save(options), coreCrc32);
    for (const [name, t] of file.tensors) tensors.push({ name: `member${i + 1}.${name}`, shape: t.shape, data: t.data });
    return file.config;
  });
  const state: Record<string, unknown> = { version: ENSEMBLE_VERSION, stats: parts.stats, autoencoders };
  if (parts.pca) {
    const { axes, median, mad } = parts.pca;
    tensors.push({ name: PCA_MEAN, shape: [features], data: axes.mean });
    tensors.push({ name: PCA_COMPONENTS, shape: [axes.components.length / features, features], data: axes.components });
    state.pca = { median, mad };
  }
  return { state, tensors };
}

type Tensors = Map<string, { shape: number[]; data: Float32Array }>;

/** Restores the ensemble from state.ensemble and the estimator's own tensors; `first` is the loaded model (member 0). */
export async function loadEnsemble(saved: unknown, tensors: Tensors, first: Autoencoder, sampleShape: readonly number[]): Promise<EnsembleParts> {
  const e = saved as { version?: unknown; stats?: unknown; autoencoders?: unknown; pca?: unknown } | null;
  const version = e && typeof e === "object" ? e.version ?? null : e;
  if (version === 2) {
    throw new ModelFormatError(`ensemble: found format version 2 (members scored by the code's distance to the codes' mean), which this version no longer reads; expected version ${ENSEMBLE_VERSION}: fit the detector again`);
  }
  if (!e || typeof e !== "object" || typeof e.version !== "number" || !READ_VERSIONS.includes(e.version)) {
    throw new ModelFormatError(`ensemble: expected format version ${READ_VERSIONS.join(", ")}, found ${describe(version)}; this detector was saved by a newer or foreign version`);
  }
  const configs = e.autoencoders;
  if (!Array.isArray(e.stats) || !Array.isArray(configs) || e.stats.length !== configs.length + 1) {
    throw new ModelFormatError(`ensemble: expected statistics for every member and a config for each after the first, found ${Array.isArray(e.stats) ? e.stats.length : "no"} statistics and ${Array.isArray(configs) ? configs.length : "no"} configs`);
  }
  const features = sizeOf(sampleShape);
  const pca = loadPcaTerm(e.version, e.pca, tensors, features);
  const width = (model: Autoencoder): number => sizeOf(model.codeShape);
  const inputsOf = (member: MemberStats, m: number): Float32Array | null => {
    if (member.inputMad !== undefined && e.version === 3) throw new ModelFormatError(`ensemble member ${m}: format version 3 has no input-space statistics, found them`);
    return member.inputMad === undefined ? null : checkReference(tensors.get(`input${m}`), features, `ensemble member ${m}`, "samples");
  };
  const stats = [checkMemberStats(e.stats[0], "ensemble member 0")];
  const references = [checkReference(tensors.get("reference0"), width(first), "ensemble member 0")];
  const inputs = [inputsOf(stats[0]!, 0)];
  const others: Autoencoder[] = [];
  try {
    for (let m = 1; m <= configs.length; m++) {
      const prefix = `member${m}.`;
      const own: NamedTensor[] = [];
      for (const [name, t] of tensors) if (name.startsWith(prefix)) own.push({ name: name.slice(prefix.length), shape: t.shape, data: t.data });
      const member = await Autoencoder.load(encodeModelFile(configs[m - 1], own, coreCrc32));
      others.push(member);
      if (member.inputShape.join(",") !== sampleShape.join(",")) throw new ModelFormatError(`ensemble member ${m}: expected input shape ${shapeText(sampleShape)}, found ${shapeText(member.inputShape)}`);
      stats.push(checkMemberStats(e.stats[m], `ensemble member ${m}`));
      references.push(checkReference(tensors.get(`reference${m}`), width(member), `ensemble member ${m}`));
      inputs.push(inputsOf(stats[m]!, m));
    }
  } catch (error) {
    for (const member of others) member.dispose();
    throw error;
  }
  return { others, stats, references, inputs, pca };
}

/**
 * The PCA term of a format-5 file (median, positive MAD, checked axes), or
 * null where it has none (a detector whose data left the term nothing to
 * measure, or one loaded from format 4 and saved again); format 4 and
 * before must not hold one.
 */
function loadPcaTerm(version: number, saved: unknown, tensors: Tensors, features: number): PcaTerm | null {
  if (version < 5) {
    if (saved !== undefined) throw new ModelFormatError(`ensemble: format version ${version} has no PCA term, found its statistics`);
    return null;
  }
  if (saved === undefined) return null;
  const s = saved as { median?: unknown; mad?: unknown } | null;
  const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (!s || typeof s !== "object" || !finite(s.median) || !finite(s.mad) || !(s.mad > 0)) {
    throw new ModelFormatError(`ensemble: expected the PCA term's median and positive MAD, found ${describe(saved)}`);
  }
  return { axes: checkPcaAxes(tensors.get(PCA_MEAN), tensors.get(PCA_COMPONENTS), features, "ensemble"), median: s.median, mad: s.mad };
}

/**
 * Refuses tensors of members the detector does not have (a single model has
 * none; an ensemble a reference per member, input references only where a
 * member's statistics say so) and PCA tensors of a detector without the term.
 */
export function checkEnsembleTensors(names: Iterable<string>, parts: EnsembleParts | null, kind: string): void {
  const members = parts ? parts.stats.length : 1;
  for (const name of names) {
    if ((name === PCA_MEAN || name === PCA_COMPONENTS) && !parts?.pca) throw new ModelFormatError(`found a tensor ${describe(`${kind}.${name}`)}, but the detector has no PCA term`);
    const member = /^member([0-9]+)\./.exec(name) ?? /^(?:reference|input)([0-9]+)$/.exec(name);
    if (!member) continue;
    const m = Number(member[1]);
    const limit = member[0].startsWith("member") ? members : parts ? parts.stats.length : 0;
    if (member[0].startsWith("input") && m < limit && !parts!.inputs[m]) {
      throw new ModelFormatError(`found a tensor ${describe(`${kind}.${name}`)}, but ensemble member ${m} has no input-space statistics`);
    }
    if (m >= limit) throw new ModelFormatError(`found a tensor ${describe(`${kind}.${name}`)} of ensemble member ${m}, but the detector has ${members} member(s)${limit === 0 ? " and no ensemble" : ""}`);
    // Member 0's weights are the estimator's own model, saved without the prefix: nothing reads "member0.".
    if (m === 0 && member[0].startsWith("member")) throw new ModelFormatError(`found a tensor ${describe(`${kind}.${name}`)}, but member 0's weights are the detector's own model's`);
  }
}
