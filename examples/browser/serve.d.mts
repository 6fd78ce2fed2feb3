/** Starts serving `root` on 127.0.0.1 (port 0 picks a free one). */
export function serve(options: { root: string; port?: number }): Promise<{ origin: string; close(): Promise<void> }>;
