// The embedded core arrives as base64 text; this turns it back into bytes with
// the bootstrap module (assembly/bootstrap/base64.ts), far under the 4 KB
// that browsers compile synchronously on the main thread.
import { UnsupportedRuntimeError } from "../errors.js";
import { BASE64_DECODER_WASM } from "./core-wasm.generated.js";

interface Base64Decoder {
  memory: WebAssembly.Memory;
  decode(source: number, length: number, target: number): number;
}

/** Padded base64 text to bytes; the text is ASCII, so encodeInto writes one byte per character. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const decoder = new WebAssembly.Instance(new WebAssembly.Module(BASE64_DECODER_WASM)).exports as unknown as Base64Decoder;
  const pageBytes = 65536;
  const source = decoder.memory.buffer.byteLength;
  const target = source + text.length;
  // The text, then its bytes (three per four characters) and the 16 bytes the decoder's vector stores may pass.
  decoder.memory.grow(Math.ceil((text.length + (text.length / 4) * 3 + 16) / pageBytes));
  new TextEncoder().encodeInto(text, new Uint8Array(decoder.memory.buffer, source, text.length));
  const length = decoder.decode(source, text.length, target);
  if (length < 0) throw new UnsupportedRuntimeError("the embedded wasm core is damaged: its text is not base64");
  return new Uint8Array(decoder.memory.buffer, target, length);
}
