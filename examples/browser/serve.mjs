// A tiny static file server for the browser example and the browser tests:
// serves one folder on 127.0.0.1 with the right MIME types (application/wasm,
// text/javascript for modules) and the COOP/COEP headers that make a page
// cross-origin isolated (needed to share wasm memory with workers).
//
//   node examples/browser/serve.mjs [--port 8080]   → http://127.0.0.1:8080/examples/browser/
//
// It serves the repository root, so the page can import /dist/index.js.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * Starts serving `root` on 127.0.0.1 (port 0 picks a free one), adding
 * `headers` to every response (the tests: a Content-Security-Policy).
 * Resolves with `{ origin, close() }`.
 */
export function serve({ root, port = 0, headers = {} } = {}) {
  const base = resolve(root);
  const common = { "Cache-Control": "no-store", ...ISOLATION, ...headers };
  const server = createServer(async (request, response) => {
    const send = (status, body, type = "text/plain; charset=utf-8") => {
      response.writeHead(status, { "Content-Type": type, ...common });
      response.end(body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "GET only\n");
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    } catch {
      return send(400, "bad URL\n");
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) return send(403, "outside the served folder\n");
    try {
      const info = await stat(file);
      if (!info.isFile()) return send(404, "not found\n");
      response.writeHead(200, {
        "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
        "Content-Length": info.size,
        ...common,
      });
      if (request.method === "HEAD") return response.end();
      createReadStream(file).pipe(response);
    } catch {
      send(404, "not found\n");
    }
  });
  return new Promise((resolveStart, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: actual } = server.address();
      resolveStart({
        origin: `http://127.0.0.1:${actual}`,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--port");
  const port = i >= 0 ? Number(process.argv[i + 1]) : 8080;
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const { origin } = await serve({ root, port });
  console.log(`serving ${root} at ${origin}/ — open ${origin}/examples/browser/`);
}
