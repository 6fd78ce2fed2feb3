// Naive f64 references for the ops: plain loops, written for clarity only.

/** y[m×n] = x[m×k]·w[k×n] + b[n] */
export function linearRef(x: Float64Array, w: Float64Array, b: Float64Array | null, m: number, k: number, n: number): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = b ? b[j]! : 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * w[p * n + j]!;
      y[i * n + j] = s;
    }
  }
  return y;
}

export const activationRef: Record<string, (x: number, alpha: number) => number> = {
  linear: (x) => x,
  relu: (x) => (x > 0 ? x : 0),
  leakyRelu: (x, a) => (x > 0 ? x : a * x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  softplus: (x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0),
};

export function mapRef(x: Float64Array, f: (v: number) => number): Float64Array {
  return x.map(f);
}

export const lossRef = {
  mse: (p: Float64Array, t: Float64Array) => p.reduce((s, v, i) => s + (v - t[i]!) ** 2, 0),
  l1: (p: Float64Array, t: Float64Array) => p.reduce((s, v, i) => s + Math.abs(v - t[i]!), 0),
  bce: (p: Float64Array, t: Float64Array) => p.reduce((s, v, i) => s - (t[i]! * Math.log(v) + (1 - t[i]!) * Math.log(1 - v)), 0),
  bceLogits: (z: Float64Array, t: Float64Array) =>
    z.reduce((s, v, i) => s + Math.max(v, 0) - v * t[i]! + Math.log1p(Math.exp(-Math.abs(v))), 0),
};
