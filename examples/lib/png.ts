// A grayscale PNG writer for the examples (Node: zlib for the deflate stream).
import { deflateSync } from "node:zlib";
import { crc32 } from "../../src/io/crc32.js";

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Encodes 8-bit grayscale pixels (row-major, width × height) as a PNG file. */
export function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Lays out square images (values in [0, 1], side × side each) in a grid of
 * `rows` rows with a 2-pixel gap, scaled up `zoom` times, as PNG bytes.
 */
export function imageGridPng(images: readonly Float32Array[][], side: number, zoom = 2): Uint8Array {
  const gap = 2;
  const rows = images.length;
  const cols = Math.max(...images.map((r) => r.length));
  const cell = side * zoom + gap;
  const width = cols * cell + gap;
  const height = rows * cell + gap;
  const pixels = new Uint8Array(width * height).fill(64);
  images.forEach((row, r) =>
    row.forEach((img, c) => {
      for (let y = 0; y < side * zoom; y++) {
        for (let x = 0; x < side * zoom; x++) {
          const v = img[Math.floor(y / zoom) * side + Math.floor(x / zoom)]!;
          pixels[(gap + r * cell + y) * width + gap + c * cell + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }),
  );
  return encodeGrayPng(pixels, width, height);
}
