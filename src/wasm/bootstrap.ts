// The embedded core arrives as base64 text of its deflated bytes; this turns
// it back into the core with the bootstrap module (assembly/bootstrap/:
// base64 and raw DEFLATE decoders), far under the 4 KB that browsers compile
// synchronously on the main thread.
import { UnsupportedRuntimeError } from "../errors.js";
import { BOOTSTRAP_WASM } from "./core-wasm.generated.js";

interface Bootstrap {
  memory: WebAssembly.Memory;
  decode(source: number, length: number, target: number): number;
  inflate(source: number, length: number, target: number, capacity: number, work: number): number;
  WORK_BYTES: WebAssembly.Global;
}

const PAGE_BYTES = 65536;

/** A fresh bootstrap instance and the first free byte of its memory. */
function instantiate(): { bootstrap: Bootstrap; free: number } {
  const bootstrap = new WebAssembly.Instance(new WebAssembly.Module(BOOTSTRAP_WASM)).exports as unknown as Bootstrap;
  return { bootstrap, free: bootstrap.memory.buffer.byteLength };
}

/** Copies the text into the bootstrap's memory at `at`; it is ASCII, so encodeInto writes one byte per character. */
function decodeInto(bootstrap: Bootstrap, text: string, at: number): { target: number; length: number } {
  const target = at + text.length;
  new TextEncoder().encodeInto(text, new Uint8Array(bootstrap.memory.buffer, at, text.length));
  const length = bootstrap.decode(at, text.length, target);
  if (length < 0) throw new UnsupportedRuntimeError("the embedded wasm core is damaged: its text is not base64");
  return { target, length };
}

/** Bytes a decoding of `text` may touch: the text, its bytes (three per four characters) and the 16 the vector stores may pass. */
const decodedRoom = (text: string): number => text.length + Math.ceil(text.length / 4) * 3 + 16;

/** Padded base64 text to bytes. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const { bootstrap, free } = instantiate();
  bootstrap.memory.grow(Math.ceil(decodedRoom(text) / PAGE_BYTES));
  const { target, length } = decodeInto(bootstrap, text, free);
  return new Uint8Array(bootstrap.memory.buffer, target, length);
}

/** The base64 text of a raw DEFLATE stream to the `size` bytes it holds. */
export function inflateBase64(text: string, size: number): Uint8Array<ArrayBuffer> {
  const { bootstrap, free } = instantiate();
  const work = free + decodedRoom(text);
  const output = work + (bootstrap.WORK_BYTES.value as number);
  bootstrap.memory.grow(Math.ceil((output + size - free) / PAGE_BYTES));
  const { target, length } = decodeInto(bootstrap, text, free);
  const written = bootstrap.inflate(target, length, output, size, work);
  if (written !== size) {
    throw new UnsupportedRuntimeError(`the embedded wasm core is damaged: expected ${size} bytes once inflated, found ${written < 0 ? "a malformed stream" : `${written} bytes`}`);
  }
  return new Uint8Array(bootstrap.memory.buffer, output, size);
}
