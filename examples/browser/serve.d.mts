/** Starts serving `root` on 127.0.0.1 (port 0 picks a free one), with `headers` added to every response. */
export function serve(options: { root: string; port?: number; headers?: Record<string, string> }): Promise<{ origin: string; close(): Promise<void> }>;
