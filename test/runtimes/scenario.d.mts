export interface GeneratedData {
  data: Float32Array;
  shape: [number, number];
}
export function generateData(rows: number, cols: number, seed: number): GeneratedData;
export function runScenario(lib: unknown, options?: { withModel?: boolean }): Promise<{
  parts: Record<string, { hashes: Record<string, string>; firstValues: number[] }>;
  modelBase64?: string;
}>;
export function edgeProbe(): GeneratedData;
export function hashFloats(values: Float32Array | Float64Array): Promise<string>;
export function sha256(bytes: Uint8Array): Promise<string>;
export function toBase64(bytes: Uint8Array): string;
export function fromBase64(text: string): Uint8Array;
