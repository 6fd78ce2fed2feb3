// `autoencoders export` and `autoencoders import`: model files to and from ONNX
// (src/interop). Export takes a plain Autoencoder or VAE file; an estimator's
// file (train --kind ...) also holds a scaler the ONNX graph would not apply.
import { AutoencoderError, describe, ModelFormatError } from "../errors.js";
import { fromOnnx } from "../interop/onnx-import.js";
import { toOnnx, type OnnxPart } from "../interop/onnx-export.js";
import { decodeModelFile } from "../io/model-file.js";
import { Autoencoder } from "../models/autoencoder.js";
import { VAE } from "../models/vae.js";
import { init } from "../wasm/module.js";
import { positionalsOf, UsageError, type CommandSpec, type ParsedArgs } from "./args.js";
import { checkWritable, FileError, readBytes, writeBytes } from "./data.js";

const PARTS: readonly OnnxPart[] = ["full", "encoder", "decoder"];

export const EXPORT: CommandSpec = {
  name: "export",
  summary: "Write an Autoencoder or VAE model file as ONNX (opset 13), for onnxruntime and other ONNX runtimes.",
  positionals: [{ name: "model", help: "An Autoencoder or VAE file (save() bytes)." }],
  flags: [
    { name: "onnx", type: "string", value: "FILE", help: "Where to write the ONNX model (required)." },
    { name: "part", type: "string", value: "PART", default: "full", help: "full (input → reconstruction), encoder (input → code, or a VAE's mu and logVar) or decoder (code → reconstruction)." },
  ],
  notes: ["Inputs and outputs are float32 in our NHWC layout with a dynamic batch dimension: input, code (or z), reconstruction, mu, logVar."],
  examples: ["autoencoders export model.aenc --onnx model.onnx", "autoencoders export model.aenc --onnx encoder.onnx --part encoder"],
};

export const IMPORT: CommandSpec = {
  name: "import",
  summary: "Build an Autoencoder or VAE model file from an ONNX model (ours, or PyTorch's torch.onnx.export).",
  positionals: [{ name: "onnx", help: "An ONNX model: a chain of Gemm/MatMul, activations, Conv, ConvTranspose, BatchNormalization, MaxPool, Resize, Reshape, Flatten." }],
  flags: [
    { name: "out", type: "string", value: "FILE", help: "Where to write the model file (required)." },
    { name: "code", type: "string", value: "NAME", default: "the narrowest value", help: "The ONNX value where the encoder ends." },
    { name: "decoder", type: "string", value: "FILE", help: "The graph is an encoder alone; FILE is the ONNX decoder alone (from the code)." },
    { name: "mu", type: "string", value: "NAME", help: "Import a VAE: the output that is its mean (with --logvar)." },
    { name: "logvar", type: "string", value: "NAME", help: "Import a VAE: the output that is its log-variance (with --mu)." },
  ],
  notes: [
    "NCHW images become NHWC: feed the imported model images as height, width, channels.",
    "A VAE graph branches into the mu and logvar outputs; its decoder is a third output decoded from mu, or --decoder FILE.",
  ],
  examples: [
    "autoencoders import model.onnx --out model.aenc",
    "autoencoders import vae.onnx --mu mu --logvar logvar --out vae.aenc",
    "autoencoders import encoder.onnx --decoder decoder.onnx --out model.aenc",
  ],
};

function required(args: ParsedArgs, command: string, flag: string): string {
  const value = args.flags.get(flag);
  if (typeof value !== "string" || value === "") throw new UsageError(`${command}: expected --${flag} FILE`);
  return value;
}

export async function exportOnnx(args: ParsedArgs): Promise<void> {
  const [modelPath] = positionalsOf(EXPORT, args) as [string];
  const out = required(args, "export", "onnx");
  const part = (args.flags.get("part") as string | undefined) ?? "full";
  if (!PARTS.includes(part as OnnxPart)) throw new UsageError(`export: --part: expected one of ${PARTS.join(", ")}, found ${JSON.stringify(part)}`);
  await checkWritable(out, "--onnx");
  const bytes = await readBytes(modelPath);
  await init();
  let model: Autoencoder | VAE;
  try {
    const meta = decodeModelFile(bytes).config as { format?: unknown } | null;
    const format = meta && typeof meta === "object" ? meta.format : undefined;
    if (format === "autoencoder") model = await Autoencoder.load(bytes);
    else if (format === "vae") model = await VAE.load(bytes);
    else throw new ModelFormatError(`expected an Autoencoder or VAE file (format "autoencoder" or "vae"), found format ${describe(format ?? null)}`);
  } catch (error) {
    if (error instanceof AutoencoderError) throw new FileError(`${modelPath}: ${error.message}`);
    throw error;
  }
  try {
    await writeBytes(out, toOnnx(model, { part: part as OnnxPart }));
  } finally {
    model.dispose();
  }
}

export async function importOnnx(args: ParsedArgs): Promise<void> {
  const [onnxPath] = positionalsOf(IMPORT, args) as [string];
  const out = required(args, "import", "out");
  const code = args.flags.get("code") as string | undefined;
  const decoderPath = args.flags.get("decoder") as string | undefined;
  const mu = args.flags.get("mu") as string | undefined;
  const logVar = args.flags.get("logvar") as string | undefined;
  if ((mu === undefined) !== (logVar === undefined)) throw new UsageError("import: expected --mu and --logvar together (the VAE's two outputs)");
  await checkWritable(out);
  const bytes = await readBytes(onnxPath);
  const decoder = decoderPath === undefined ? undefined : await readBytes(decoderPath);
  let model: Autoencoder | VAE;
  try {
    const options = { ...(code === undefined ? {} : { code }), ...(decoder === undefined ? {} : { decoder }) };
    model = mu !== undefined ? await fromOnnx(bytes, { ...options, vae: { mu, logVar: logVar! } }) : await fromOnnx(bytes, options);
  } catch (error) {
    if (error instanceof AutoencoderError) throw new FileError(`${onnxPath}: ${error.message}`);
    throw error;
  }
  try {
    await writeBytes(out, model.save());
  } finally {
    model.dispose();
  }
}
