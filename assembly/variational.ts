// The variational autoencoder's pieces: the reparameterized sample, the KL
// divergence of N(μ, σ²) to N(0, I), and per-sample log densities for the
// importance-weighted estimate of log p(x) (Burda et al., ICLR 2016).
import { lane0, splat, vexp, vexpCalled, vlog1pCalled, vlogCalled } from "./math";

@inline function expf(x: f32): f32 {
  return lane0(vexpCalled(splat(x)));
}

/** z = μ + exp(½·log σ²)·ε */
export function f32_reparameterize(z: usize, mu: usize, logvar: usize, eps: usize, n: i32): void {
  const half = splat(0.5);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const sigma = vexp(f32x4.mul(v128.load(logvar + o), half));
    v128.store(z + o, f32x4.add(v128.load(mu + o), f32x4.mul(sigma, v128.load(eps + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, load<f32>(mu + o) + expf(load<f32>(logvar + o) * 0.5) * load<f32>(eps + o));
  }
}

/** dμ (+)= dz; d log σ² (+)= ½·dz·ε·exp(½·log σ²). */
export function f32_reparameterize_backward(dmu: usize, dlogvar: usize, dz: usize, logvar: usize, eps: usize, n: i32, accMu: i32, accLogvar: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dz + o);
    const gl = <f32>0.5 * g * load<f32>(eps + o) * expf(load<f32>(logvar + o) * 0.5);
    store<f32>(dmu + o, accMu ? load<f32>(dmu + o) + g : g);
    store<f32>(dlogvar + o, accLogvar ? load<f32>(dlogvar + o) + gl : gl);
  }
}

/** Σ ½·(exp(log σ²) + μ² − 1 − log σ²) = KL(N(μ, σ²) ‖ N(0, 1)) summed over elements. */
export function f32_kl_normal_sum(mu: usize, logvar: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const m = load<f32>(mu + o);
    const lv = load<f32>(logvar + o);
    s += <f64>(<f32>0.5 * (expf(lv) + m * m - 1 - lv));
  }
  return s;
}

/** dμ (+)= scale·μ; d log σ² (+)= scale·½·(exp(log σ²) − 1). */
export function f32_kl_normal_backward(dmu: usize, dlogvar: usize, mu: usize, logvar: usize, scale: f32, n: i32, accMu: i32, accLogvar: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gm = scale * load<f32>(mu + o);
    const gl = scale * <f32>0.5 * (expf(load<f32>(logvar + o)) - 1);
    store<f32>(dmu + o, accMu ? load<f32>(dmu + o) + gm : gm);
    store<f32>(dlogvar + o, accLogvar ? load<f32>(dlogvar + o) + gl : gl);
  }
}

const HALF_LOG_2PI: f64 = 0.9189385332046727;

/**
 * dst[r] = Σ_j log N(z[r, j]; μ[r, j], exp(log σ²[r, j])); with mu = 0 and
 * logvar = 0 (null pointers) the standard normal.
 */
export function f32_row_log_normal(dst: usize, z: usize, mu: usize, logvar: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * <usize>cols + <usize>j) << 2;
      const d = load<f32>(z + o) - (mu ? load<f32>(mu + o) : 0);
      const lv: f32 = logvar ? load<f32>(logvar + o) : 0;
      s -= HALF_LOG_2PI + <f64>(<f32>0.5 * lv) + <f64>(<f32>0.5 * d * d * expf(-lv));
    }
    store<f32>(dst + (<usize>r << 2), <f32>s);
  }
}

/** dst[r] = Σ_j max(z,0) − z·t + log(1 + exp(−|z|)): per-sample BCE from logits. */
export function f32_row_bce_logits(dst: usize, logits: usize, target: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * <usize>cols + <usize>j) << 2;
      const z = load<f32>(logits + o);
      s += <f64>(Mathf.max(z, 0) - z * load<f32>(target + o) + lane0(vlog1pCalled(vexpCalled(splat(-Mathf.abs(z))))));
    }
    store<f32>(dst + (<usize>r << 2), <f32>s);
  }
}

/** dst[r] = Σ_j (a[r, j] − b[r, j])² */
export function f32_row_sq_sum(dst: usize, a: usize, b: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * <usize>cols + <usize>j) << 2;
      const d = load<f32>(a + o) - load<f32>(b + o);
      s += <f64>(d * d);
    }
    store<f32>(dst + (<usize>r << 2), <f32>s);
  }
}

/** dst[j] = log((1/k)·Σ_i exp(src[i, j])) over a k×cols matrix, shifted by the column max. */
export function f32_logmeanexp_cols(dst: usize, src: usize, k: i32, cols: i32): void {
  for (let j = 0; j < cols; j++) {
    let m: f32 = -Infinity;
    for (let i = 0; i < k; i++) m = Mathf.max(m, load<f32>(src + ((<usize>i * <usize>cols + <usize>j) << 2)));
    let s: f32 = 0;
    for (let i = 0; i < k; i++) s += expf(load<f32>(src + ((<usize>i * <usize>cols + <usize>j) << 2)) - m);
    store<f32>(dst + (<usize>j << 2), m + lane0(vlogCalled(splat(s / <f32>k))));
  }
}
