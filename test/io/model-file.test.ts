import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../src/errors.js";
import { crc32 } from "../../src/io/crc32.js";
import { decodeModelFile, encodeModelFile, MODEL_FILE_MAGIC, MODEL_FILE_VERSION } from "../../src/io/model-file.js";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../../src/io/safetensors.js";
import { randomArray, rng } from "../helpers.js";

const ascii = (s: string) => new TextEncoder().encode(s);
const CONFIG = { kind: "autoencoder", input: [4], layers: [{ type: "dense", units: 2, activation: "relu" }], seed: 42, note: "ünï ✓" };
const TENSORS: NamedTensor[] = [
  { name: "encoder.0.weight", shape: [4, 2], data: randomArray(8, 1) },
  { name: "encoder.0.bias", shape: [2], data: randomArray(2, 2) },
  { name: "decoder.0.weight", shape: [2, 4], data: randomArray(8, 3) },
];

/** A model file around `body` with a correct checksum. */
function wrap(body: Uint8Array, version = MODEL_FILE_VERSION): Uint8Array {
  const out = new Uint8Array(16 + body.length);
  out.set(MODEL_FILE_MAGIC);
  new DataView(out.buffer).setUint32(8, version, true);
  new DataView(out.buffer).setUint32(12, crc32(body), true);
  out.set(body, 16);
  return out;
}

function refuses(bytes: Uint8Array, fragment: RegExp | string): void {
  expect(() => decodeModelFile(bytes)).toThrow(ModelFormatError);
  expect(() => decodeModelFile(bytes)).toThrow(fragment);
}

describe("crc32", () => {
  it.each<[string, Uint8Array, number]>([
    ["empty", new Uint8Array(0), 0],
    ['"123456789"', ascii("123456789"), 0xcbf43926],
    ["one zero byte", new Uint8Array(1), 0xd202ef8d],
    ["the quick brown fox", ascii("The quick brown fox jumps over the lazy dog"), 0x414fa339],
    ["32 bytes of 0xFF", new Uint8Array(32).fill(0xff), 0xff6cab0b],
  ])("%s", (_, bytes, expected) => expect(crc32(bytes)).toBe(expected));
});

describe("model file", () => {
  const file = encodeModelFile(CONFIG, TENSORS);

  it("lays out magic, version, checksum, then a safetensors body other tools can read", () => {
    expect(Array.from(file.subarray(0, 8))).toEqual([0x41, 0x55, 0x54, 0x4f, 0x45, 0x4e, 0x43, 0x1a]);
    expect(new TextDecoder().decode(file.subarray(0, 7))).toBe("AUTOENC");
    expect(Array.from(file.subarray(8, 12))).toEqual([1, 0, 0, 0]);
    const body = file.subarray(16);
    expect(new DataView(file.buffer).getUint32(12, true)).toBe(crc32(body));
    const st = decodeSafetensors(body);
    expect(st.metadata).toEqual({ format: "autoencoders", config: JSON.stringify(CONFIG) });
    expect([...st.tensors.keys()]).toEqual(TENSORS.map((t) => t.name));
    expect(Array.from(body)).toEqual(Array.from(encodeSafetensors(TENSORS, { format: "autoencoders", config: JSON.stringify(CONFIG) })));
    expect((16 + 8 + new DataView(body.buffer, body.byteOffset).getUint32(0, true)) % 8).toBe(0);
  });

  it("round-trips the config and the tensors bit for bit", () => {
    const { config, tensors } = decodeModelFile(file);
    expect(config).toEqual(CONFIG);
    expect([...tensors.keys()]).toEqual(TENSORS.map((t) => t.name));
    for (const t of TENSORS) {
      expect(tensors.get(t.name)!.shape).toEqual(t.shape);
      expect(Array.from(new Uint32Array(tensors.get(t.name)!.data.slice().buffer))).toEqual(Array.from(new Uint32Array(t.data.slice().buffer)));
    }
    expect(decodeModelFile(encodeModelFile(null, [])).config).toBeNull();
  });

  it("is deterministic", () => {
    const again = encodeModelFile(JSON.parse(JSON.stringify(CONFIG)), TENSORS.map((t) => ({ ...t, data: t.data.slice() })));
    expect(Array.from(again)).toEqual(Array.from(file));
  });

  it("refuses every truncation with ModelFormatError", () => {
    expect(() => decodeModelFile(file.subarray(0, 0))).toThrow("found an empty input");
    for (let n = 1; n < file.length; n++) {
      expect(() => decodeModelFile(file.subarray(0, n)), `prefix ${n}`).toThrow(ModelFormatError);
      expect(() => decodeModelFile(file.subarray(0, n)), `prefix ${n}`).toThrow(/^truncated model file: expected (at least )?\d+ bytes.*, found \d+/);
    }
    expect(() => decodeModelFile(file.subarray(0, 10))).toThrow("expected at least 16 bytes (the header), found 10");
    expect(() => decodeModelFile(file.subarray(0, file.length - 1))).toThrow(`expected ${file.length} bytes, found ${file.length - 1}`);
  });

  it("refuses every single flipped bit with ModelFormatError", () => {
    const messages = new Set<string>();
    for (let i = 0; i < file.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = file.slice();
        bad[i]! ^= 1 << bit;
        let error: unknown;
        try {
          decodeModelFile(bad);
        } catch (e) {
          error = e;
        }
        expect(error, `byte ${i} bit ${bit}`).toBeInstanceOf(ModelFormatError);
        const message = (error as Error).message;
        if (i < 8) expect(message).toMatch(/^not an autoencoders model file/);
        else if (i < 12) expect(message).toMatch(/version/);
        else expect(message, `byte ${i} bit ${bit}`).toMatch(/^(corrupted|truncated) model file: .*checksum expected 0x[0-9A-F]{8}, found 0x[0-9A-F]{8}/);
        messages.add(message.split(":")[0]!);
      }
    }
    expect(messages.has("corrupted model file")).toBe(true);
  });

  it("names the checksums of a corrupted data byte and of appended bytes", () => {
    const bad = file.slice();
    bad[bad.length - 3]! ^= 0x10;
    const stored = new DataView(file.buffer).getUint32(12, true).toString(16).toUpperCase().padStart(8, "0");
    const found = crc32(bad.subarray(16)).toString(16).toUpperCase().padStart(8, "0");
    refuses(bad, `corrupted model file: checksum expected 0x${stored}, found 0x${found}`);
    const longer = new Uint8Array(file.length + 4);
    longer.set(file);
    refuses(longer, /^corrupted model file: checksum/);
  });

  it.each<[string, Uint8Array, string]>([
    ["a PNG image", Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0), "found 89 50 4E 47 0D 0A 1A 0A; this looks like a PNG image"],
    ["JSON text", ascii(JSON.stringify({ config: CONFIG })), "this looks like JSON text"],
    ["pretty JSON with a BOM", ascii(`\uFEFF\n  [1, 2, 3]`), "JSON text"],
    ["a bare safetensors file", encodeSafetensors(TENSORS), "bare safetensors file"],
    ["gzip data", Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6), "gzip-compressed"],
    ["a zip archive", Uint8Array.of(0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0), "zip archive"],
    ["a NumPy file", Uint8Array.of(0x93, ...ascii("NUMPY\x01\x00v\x00{'descr': '<f4'")), "NumPy"],
    ["base64 of a model file", ascii(btoa(String.fromCharCode(...file.subarray(0, 60)))), "base64 text of a model file"],
    ["a short foreign input", ascii("hello"), "expected magic 41 55 54 4F 45 4E 43 1A (\"AUTOENC\\x1A\"), found 68 65 6C 6C 6F"],
  ])("refuses %s with a hint", (_, bytes, fragment) => refuses(bytes, fragment));

  it("refuses random bytes", () => {
    const next = rng(9);
    for (const n of [1, 7, 8, 16, 17, 100, 1000]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
      refuses(bytes, /^not an autoencoders model file: expected magic/);
    }
  });

  it("refuses a future or unknown version", () => {
    const body = file.subarray(16);
    refuses(wrap(body, 2), "model file version 2 is newer than this library reads (version 1): upgrade autoencoders");
    refuses(wrap(body, 0xffffffff), "version 4294967295 is newer");
    refuses(wrap(body, 0), "unknown model file version 0: expected 1");
  });

  it("refuses a consistent checksum around a bad body, metadata or config", () => {
    const t = [{ name: "w", shape: [1], data: new Float32Array(1) }];
    refuses(wrap(encodeSafetensors(t, { format: "autoencoders", config: "{broken" })), "model file config is not valid JSON");
    refuses(wrap(encodeSafetensors(t, { config: "{}" })), 'expected format "autoencoders", found none');
    refuses(wrap(encodeSafetensors(t, { format: "keras", config: "{}" })), 'expected format "autoencoders", found "keras"');
    refuses(wrap(encodeSafetensors(t, { format: "autoencoders" })), 'expected a "config" entry, found none');
    const f64 = ascii(`{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`);
    const body = new Uint8Array(8 + f64.length + 8);
    body[0] = f64.length;
    body.set(f64, 8);
    refuses(wrap(body), "model file body: invalid safetensors: tensor \"w\": dtype \"F64\" is not supported");
  });

  it("refuses inputs that are not a Uint8Array and configs that are not JSON", () => {
    expect(() => decodeModelFile(file.slice().buffer as unknown as Uint8Array)).toThrow("found an ArrayBuffer (wrap it: new Uint8Array(buffer))");
    expect(() => decodeModelFile("AUTOENC" as unknown as Uint8Array)).toThrow("found string");
    expect(() => encodeModelFile(undefined, [])).toThrow(ModelFormatError);
    expect(() => encodeModelFile(undefined, [])).toThrow("JSON-serializable value, found undefined");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeModelFile(cyclic, [])).toThrow(ModelFormatError);
    expect(() => encodeModelFile({ n: 1n }, [])).toThrow("JSON.stringify refuses");
  });
});

describe("Node Buffers", () => {
  it("decodes a model file held in a Buffer from Node's shared pool", () => {
    const file = encodeModelFile({ a: 1 }, [{ name: "w", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }]);
    // Buffer.from copies small inputs into an 8 KB pool: its .buffer is the whole pool.
    const pooled = Buffer.from(file);
    expect(pooled.buffer.byteLength).toBeGreaterThan(file.length);
    const decoded = decodeModelFile(pooled);
    expect(Array.from(decoded.tensors.get("w")!.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
