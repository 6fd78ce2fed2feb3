// The part of ONNX's ModelProto (github.com/onnx/onnx, onnx/onnx.proto) that
// toOnnx writes and fromOnnx reads: a graph of nodes over float32 tensors,
// with int64 tensors for shapes. Field numbers are onnx.proto's.
import { describe, ModelFormatError } from "../errors.js";
import { ProtoWriter, readFields, readPackedFloats, readPackedInts, text, toInt, type ProtoField } from "./protobuf.js";
import { shapeText } from "../shape.js";

/** TensorProto.DataType values. */
export const DTYPE = { float: 1, int32: 6, int64: 7 } as const;
const DTYPE_NAMES: Record<number, string> = {
  0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
  9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 16: "BFLOAT16",
};
/** Numbers from a file, for a message: the first 8, then how many there are. */
export const listText = (values: readonly (number | string)[]): string =>
  `[${values.slice(0, 8).join(", ")}${values.length > 8 ? `, … (${values.length} values)` : ""}]`;

/** Names from a file, for a message: the first 8 quoted within a bound, then how many there are. */
export const namesText = (names: readonly string[]): string =>
  `${names.slice(0, 8).map((n) => describe(n)).join(", ")}${names.length > 8 ? `, … (${names.length} names)` : ""}`;

export const dtypeName = (t: number): string => DTYPE_NAMES[t] ?? `data type ${t}`;

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** Float tensors hold a Float32Array; int32/int64 tensors a number array. */
  data: Float32Array | number[];
}

export type OnnxAttribute =
  | { f: number } | { i: number } | { s: string } | { floats: number[] } | { ints: number[] } | { t: OnnxTensor }
  | { unsupported: string };

export interface OnnxNode {
  op: string;
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  /** A number for a fixed size, a string for a named (dynamic) one. */
  dims: (number | string)[];
  elemType: number;
  doc?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  /** Version of the default ("" or "ai.onnx") operator set. */
  opset: number;
  producer: string;
  doc: string;
  graph: OnnxGraph;
}

// ---- writing ---------------------------------------------------------------

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  const isFloat = t.data instanceof Float32Array;
  w.int(2, isFloat ? DTYPE.float : DTYPE.int64);
  w.string(8, t.name);
  const width = isFloat ? 4 : 8;
  const raw = new Uint8Array(t.data.length * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < t.data.length; i++) {
    if (isFloat) view.setFloat32(i * 4, t.data[i]!, true);
    else view.setBigInt64(i * 8, BigInt(t.data[i]!), true);
  }
  w.raw(9, raw);
}

// AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7.
function writeAttribute(w: ProtoWriter, name: string, a: OnnxAttribute): void {
  w.string(1, name);
  if ("f" in a) w.float(2, a.f).int(20, 1);
  else if ("i" in a) w.int(3, a.i).int(20, 2);
  else if ("s" in a) w.string(4, a.s).int(20, 3);
  else if ("t" in a) w.message(5, (c) => writeTensor(c, a.t)).int(20, 4);
  else if ("floats" in a) w.packedFloats(7, a.floats).int(20, 6);
  else if ("ints" in a) w.packedInts(8, a.ints).int(20, 7);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  // TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2).
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.int(1, v.elemType);
    tensor.message(2, (shape) => {
      for (const d of v.dims) shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
    });
  }));
  if (v.doc) w.string(3, v.doc);
}

/** Encodes a ModelProto. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producer);
  if (model.doc) w.string(6, model.doc);
  w.message(7, (g) => {
    for (const n of model.graph.nodes) {
      g.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        node.string(3, n.name).string(4, n.op);
        for (const [name, a] of n.attributes) node.message(5, (attr) => writeAttribute(attr, name, a));
        if (n.domain) node.string(7, n.domain);
      });
    }
    g.string(2, model.graph.name);
    for (const t of model.graph.initializers) g.message(5, (c) => writeTensor(c, t));
    for (const v of model.graph.inputs) g.message(11, (c) => writeValueInfo(c, v));
    for (const v of model.graph.outputs) g.message(12, (c) => writeValueInfo(c, v));
  });
  w.message(8, (o) => o.string(1, "").int(2, model.opset));
  return w.finish();
}

// ---- reading ---------------------------------------------------------------

/** Largest tensor fromOnnx decodes: 2^28 elements (1 GiB of float32). */
const MAX_ELEMENTS = 2 ** 28;

const bytesOf = (f: ProtoField, what: string): Uint8Array => {
  if (f.wire !== 2) throw new ModelFormatError(`${what}: expected a length-delimited field ${f.field}, found wire type ${f.wire}`);
  return f.bytes;
};
const intOf = (f: ProtoField, what: string): number => {
  if (f.wire !== 0) throw new ModelFormatError(`${what}: expected a varint field ${f.field}, found wire type ${f.wire}`);
  return toInt(f.value, what);
};

export function readTensor(bytes: Uint8Array, where: string): OnnxTensor {
  const dims: number[] = [];
  let dtype = 0;
  let name = "";
  let raw: Uint8Array | null = null;
  const floats: ProtoField[] = [];
  const ints: ProtoField[] = [];
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) dims.push(...readPackedInts(f, `${where} dims`));
    else if (f.field === 2) dtype = intOf(f, `${where} data_type`);
    else if (f.field === 4) floats.push(f);
    else if (f.field === 5 || f.field === 7) ints.push(f);
    else if (f.field === 8) name = text(f);
    else if (f.field === 9) raw = bytesOf(f, `${where} raw_data`);
    else if (f.field === 13 || f.field === 14) throw new ModelFormatError(`${where}: tensor ${describe(name)} keeps its data in an external file; expected the data inside the model`);
  }
  const what = `${where} tensor ${describe(name)}`;
  if (dims.some((d) => d < 0)) throw new ModelFormatError(`${what}: expected dims >= 0, found ${shapeText(dims)}`);
  // Checked against the bytes present before anything of that size is allocated.
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (count > MAX_ELEMENTS) throw new ModelFormatError(`${what}: expected at most ${MAX_ELEMENTS} elements, found dims ${shapeText(dims)}`);
  }
  if (dtype !== DTYPE.float && dtype !== DTYPE.int64 && dtype !== DTYPE.int32) {
    throw new ModelFormatError(`${what}: unsupported data type ${dtypeName(dtype)}; expected FLOAT (weights) or INT64/INT32 (shapes)`);
  }
  const width = dtype === DTYPE.int64 ? 8 : 4;
  if (raw !== null) {
    if (raw.length !== count * width) throw new ModelFormatError(`${what}: dims ${shapeText(dims)} need ${count * width} bytes of raw_data, found ${raw.length}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (dtype === DTYPE.float) {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
      return { name, dims, data };
    }
    const data: number[] = [];
    for (let i = 0; i < count; i++) data.push(dtype === DTYPE.int64 ? toInt(view.getBigInt64(i * 8, true), what) : view.getInt32(i * 4, true));
    return { name, dims, data };
  }
  if (dtype === DTYPE.float) {
    const values = floats.flatMap((f) => readPackedFloats(f, what));
    if (values.length !== count) throw new ModelFormatError(`${what}: dims ${shapeText(dims)} need ${count} float_data values, found ${values.length}`);
    return { name, dims, data: Float32Array.from(values) };
  }
  const values = ints.flatMap((f) => readPackedInts(f, what));
  if (values.length !== count) throw new ModelFormatError(`${what}: dims ${shapeText(dims)} need ${count} integer values, found ${values.length}`);
  return { name, dims, data: dtype === DTYPE.int32 ? values.map((v) => v | 0) : values };
}

function readAttribute(bytes: Uint8Array, where: string): [string, OnnxAttribute] {
  let name = "";
  let type = 0;
  const byField = new Map<number, ProtoField[]>();
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) name = text(f);
    else if (f.field === 20) type = intOf(f, `${where} type`);
    else byField.set(f.field, [...(byField.get(f.field) ?? []), f]);
  }
  const what = `${where} attribute ${describe(name)}`;
  const one = (field: number) => byField.get(field)?.[0];
  const all = (field: number) => byField.get(field) ?? [];
  switch (type) {
    case 1: return [name, { f: (one(2) as { value: number } | undefined)?.value ?? 0 }];
    case 2: { const f = one(3); return [name, { i: f ? intOf(f, what) : 0 }]; }
    case 3: { const f = one(4); return [name, { s: f ? text(f) : "" }]; }
    case 4: { const f = one(5); if (!f) throw new ModelFormatError(`${what}: expected a tensor, found none`); return [name, { t: readTensor(bytesOf(f, what), what) }]; }
    case 6: return [name, { floats: all(7).flatMap((f) => readPackedFloats(f, what)) }];
    case 7: return [name, { ints: all(8).flatMap((f) => readPackedInts(f, what)) }];
    default: return [name, { unsupported: `attribute type ${type}` }];
  }
}

function readNode(bytes: Uint8Array, index: number): OnnxNode {
  const where = `ONNX node ${index}`;
  const node: OnnxNode = { op: "", name: "", domain: "", inputs: [], outputs: [], attributes: new Map() };
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) node.inputs.push(text(f));
    else if (f.field === 2) node.outputs.push(text(f));
    else if (f.field === 3) node.name = text(f);
    else if (f.field === 4) node.op = text(f);
    else if (f.field === 5) {
      const [name, a] = readAttribute(bytesOf(f, where), where);
      node.attributes.set(name, a);
    } else if (f.field === 7) node.domain = text(f);
  }
  if (!node.name) node.name = `#${index}`;
  return node;
}

function readValueInfo(bytes: Uint8Array, where: string): OnnxValueInfo {
  const info: OnnxValueInfo = { name: "", dims: [], elemType: 0 };
  for (const f of readFields(bytes, where)) {
    if (f.field === 1) info.name = text(f);
    else if (f.field === 3) info.doc = text(f);
    else if (f.field === 2) {
      for (const t of readFields(bytesOf(f, where), where)) {
        if (t.field !== 1) continue;
        for (const tf of readFields(bytesOf(t, where), where)) {
          if (tf.field === 1) info.elemType = intOf(tf, where);
          else if (tf.field === 2) {
            for (const d of readFields(bytesOf(tf, where), where)) {
              if (d.field !== 1) continue;
              let dim: number | string = "?";
              for (const v of readFields(bytesOf(d, where), where)) {
                if (v.field === 1) dim = intOf(v, where);
                else if (v.field === 2) dim = text(v);
              }
              info.dims.push(dim);
            }
          }
        }
      }
    }
  }
  return info;
}

/** Decodes a ModelProto; refuses truncated or inconsistent bytes with a ModelFormatError. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw new ModelFormatError(`fromOnnx: expected the model as a Uint8Array, found ${describe(bytes)}`);
  const model: OnnxModel = { irVersion: 0, opset: 0, producer: "", doc: "", graph: { name: "", nodes: [], initializers: [], inputs: [], outputs: [] } };
  let graph: Uint8Array | null = null;
  for (const f of readFields(bytes, "ONNX model")) {
    if (f.field === 1) model.irVersion = intOf(f, "ONNX ir_version");
    else if (f.field === 2) model.producer = text(f);
    else if (f.field === 6) model.doc = text(f);
    else if (f.field === 7) graph = bytesOf(f, "ONNX graph");
    else if (f.field === 8) {
      let domain = "";
      let version = 0;
      for (const o of readFields(bytesOf(f, "ONNX opset_import"), "ONNX opset_import")) {
        if (o.field === 1) domain = text(o);
        else if (o.field === 2) version = intOf(o, "ONNX opset version");
      }
      if (domain === "" || domain === "ai.onnx") model.opset = version;
    }
  }
  if (graph === null) throw new ModelFormatError("fromOnnx: expected an ONNX ModelProto with a graph, found none (not an ONNX file?)");
  const g = model.graph;
  for (const f of readFields(graph, "ONNX graph")) {
    if (f.field === 1) g.nodes.push(readNode(bytesOf(f, "ONNX node"), g.nodes.length));
    else if (f.field === 2) g.name = text(f);
    else if (f.field === 5) g.initializers.push(readTensor(bytesOf(f, "ONNX initializer"), `ONNX initializer ${g.initializers.length}`));
    else if (f.field === 11) g.inputs.push(readValueInfo(bytesOf(f, "ONNX input"), "ONNX graph input"));
    else if (f.field === 12) g.outputs.push(readValueInfo(bytesOf(f, "ONNX output"), "ONNX graph output"));
  }
  return model;
}
