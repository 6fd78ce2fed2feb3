// Bytes a bounded chunk at a time from a file path (Node, Deno, Bun), a web
// ReadableStream (browsers, Deno, Node 18+), or any async iterable of
// Uint8Array (Node streams); a function returning one of these makes a source
// that can be read more than once (one call per pass).
import { ConfigError, DataError, describe } from "../errors.js";

/** One pass's bytes: a ReadableStream or an async iterable of Uint8Array chunks. */
export type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Where streamed data comes from: a file path or file: URL (read through node:fs, where the runtime has it), a
 * stream of bytes (read once), or a function returning a new stream (or a promise of one) for each pass.
 */
export type ByteSource = string | URL | ByteStream | (() => ByteStream | Promise<ByteStream>);

/** Bytes read from a file per call: 1 MiB. */
export const CHUNK_BYTES = 1 << 20;

interface FileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

async function openFile(path: string | URL, where: string): Promise<FileHandle> {
  // Built at run time so bundlers leave this Node-only import alone (see src/wasm/module.ts); browsers have no node:fs.
  const fsModule = ["node", "fs/promises"].join(":");
  let fs: { open(path: string | URL, flags: string): Promise<FileHandle> };
  try {
    fs = (await import(/* @vite-ignore */ fsModule)) as typeof fs;
  } catch {
    throw new ConfigError(`${where}: reading a path needs the file system of Node, Deno or Bun; in a browser pass a ReadableStream, e.g. (await fetch(url)).body`);
  }
  try {
    return await fs.open(path, "r");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new DataError(`${where}: cannot read ${describe(String(path), 200)}: ${reason}`);
  }
}

async function* fileChunks(path: string | URL, chunkBytes: number, where: string): AsyncGenerator<Uint8Array> {
  const file = await openFile(path, where);
  try {
    for (;;) {
      const buffer = new Uint8Array(chunkBytes);
      const { bytesRead } = await file.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === "object" && value !== null && typeof (value as ReadableStream).getReader === "function";
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === "object" && value !== null && typeof (value as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function";
}

async function* streamChunks(stream: ByteStream, chunkBytes: number, where: string): AsyncGenerator<Uint8Array> {
  const check = (chunk: unknown): Uint8Array => {
    if (!(chunk instanceof Uint8Array)) throw new DataError(`${where}: expected the stream to yield Uint8Array chunks, found ${describe(chunk)}`);
    return chunk;
  };
  // A large chunk from the source is handed on in pieces of chunkBytes, so the parsing's temporaries stay bounded.
  const pieces = function* (chunk: Uint8Array) {
    for (let at = 0; at < chunk.length; at += chunkBytes) yield chunk.subarray(at, Math.min(chunk.length, at + chunkBytes));
  };
  if (isReadableStream(stream)) {
    const reader = stream.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        yield* pieces(check(value));
      }
    } finally {
      // Stopped early (an error, or the consumer left): tell the source so it can stop producing.
      if (!finished) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  for await (const chunk of stream) yield* pieces(check(chunk));
}

/**
 * A function that opens the source afresh for each pass. A stream object can be read only once: a second pass
 * over it is refused with a ConfigError naming what to pass instead.
 */
export function passesOf(source: ByteSource, chunkBytes: number, where: string): () => AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new ConfigError(`${where}: expected chunkBytes to be a positive integer, found ${describe(chunkBytes)}`);
  if (typeof source === "string" || source instanceof URL) return () => fileChunks(source, chunkBytes, where);
  if (typeof source === "function") {
    return async function* () {
      const stream = await source();
      if (!isReadableStream(stream) && !isAsyncIterable(stream)) {
        throw new ConfigError(`${where}: expected the source function to return a ReadableStream or an async iterable of Uint8Array, found ${describe(stream)}`);
      }
      yield* streamChunks(stream, chunkBytes, where);
    };
  }
  if (!isReadableStream(source) && !isAsyncIterable(source)) {
    throw new ConfigError(`${where}: expected a path, a ReadableStream, an async iterable of Uint8Array or a function returning one, found ${describe(source)}`);
  }
  let used = false;
  return () => {
    if (used) {
      throw new ConfigError(`${where}: a stream can be read once and this one was read already; for more passes (epochs) pass a path or a function returning a new stream`);
    }
    used = true;
    return streamChunks(source, chunkBytes, where);
  };
}
