// Penalties on codes and encoders: L1 activity, KL sparsity toward a target
// mean activation ρ, k-sparse masks, and the contractive (Jacobian) penalty of
// a sigmoid layer. Code-sized arrays: scalar loops, f64 sums in index order.
import { lane0, splat, vlogCalled } from "./math";

/** Σ |x| */
export function f32_abs_sum(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>Mathf.abs(load<f32>(x + (<usize>i << 2)));
  return s;
}

/** dst (+)= scale · sign(x), sign(0) = 0: the (sub)gradient of scale · Σ|x|. */
export function f32_sign_scaled(dst: usize, x: usize, scale: f32, n: i32, accumulate: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    let g: f32 = v > 0 ? scale : v < 0 ? -scale : 0;
    if (accumulate) g += load<f32>(dst + o);
    store<f32>(dst + o, g);
  }
}

// ρ̂ is kept in [RHO_EPS, 1 − RHO_EPS] so the logs and ratios stay finite.
const RHO_EPS: f32 = 1e-6;

@inline function clampRho(r: f32): f32 {
  return Mathf.min(Mathf.max(r, RHO_EPS), <f32>1 - RHO_EPS);
}

@inline function logf(x: f32): f32 {
  return lane0(vlogCalled(splat(x)));
}

/** Σ_j KL(ρ ‖ ρ̂_j) = ρ·log(ρ/ρ̂_j) + (1−ρ)·log((1−ρ)/(1−ρ̂_j)), ρ̂ clamped. */
export function f32_kl_sparsity_sum(rhoHat: usize, rho: f32, cols: i32): f64 {
  let s: f64 = 0;
  for (let j = 0; j < cols; j++) {
    const r = clampRho(load<f32>(rhoHat + (<usize>j << 2)));
    s += <f64>(rho * (logf(rho) - logf(r)) + (1 - rho) * (logf(1 - rho) - logf(1 - r)));
  }
  return s;
}

/**
 * dz[i, j] (+)= scale · (−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)): the gradient of
 * scale·rows·Σ_j KL(ρ‖ρ̂_j) through ρ̂_j = mean_i z[i, j].
 */
export function f32_kl_sparsity_backward(dz: usize, rhoHat: usize, rho: f32, scale: f32, rows: i32, cols: i32, accumulate: i32): void {
  for (let j = 0; j < cols; j++) {
    const r = clampRho(load<f32>(rhoHat + (<usize>j << 2)));
    const g = scale * (-rho / r + (1 - rho) / (1 - r));
    for (let i = 0; i < rows; i++) {
      const p = dz + ((<usize>i * <usize>cols + <usize>j) << 2);
      store<f32>(p, accumulate ? load<f32>(p) + g : g);
    }
  }
}

/**
 * mask[i, j] = 1 for the k largest x[i, j] of each row, else 0 (ties go to
 * the lower index, so the mask is a function of the values alone).
 */
export function f32_topk_mask_rows(mask: usize, x: usize, rows: i32, cols: i32, k: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = x + ((<usize>i * <usize>cols) << 2);
    const out = mask + ((<usize>i * <usize>cols) << 2);
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      // Rank of v: how many entries beat it (greater, or equal at a lower index).
      let rank = 0;
      for (let m = 0; m < cols && rank < k; m++) {
        const w = load<f32>(row + (<usize>m << 2));
        if (w > v || (w == v && m < j)) rank++;
      }
      store<f32>(out + (<usize>j << 2), rank < k ? 1 : 0);
    }
  }
}

/** dst[j] = Σ_k w[k, j]²: the squared norm of the weights into unit j. */
export function f32_col_sum_squares(dst: usize, w: usize, rows: i32, cols: i32): void {
  for (let j = 0; j < cols; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) {
      const v = load<f32>(w + ((<usize>r * <usize>cols + <usize>j) << 2));
      s += v * v;
    }
    store<f32>(dst + (<usize>j << 2), s);
  }
}

/**
 * Σ_i Σ_j (h(1−h))² · norms[j]: the squared Frobenius norm of the Jacobian of
 * h = sigmoid(x·W + b) with respect to x, summed over the rows (Rifai et al.,
 * "Contractive auto-encoders", ICML 2011, eq. 5).
 */
export function f32_contractive_sum(h: usize, norms: usize, rows: i32, cols: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(h + ((<usize>i * <usize>cols + <usize>j) << 2));
      const d = v * (1 - v);
      s += <f64>(d * d * load<f32>(norms + (<usize>j << 2)));
    }
  }
  return s;
}

/**
 * The contractive penalty's gradient through h: dh[i, j] (+)= scale · norms[j]
 * · 2h(1−h)(1−2h); and colA[j] = Σ_i (h(1−h))², which the weight gradient
 * scale · 2 · W[k, j] · colA[j] needs.
 */
export function f32_contractive_backward(dh: usize, colA: usize, h: usize, norms: usize, scale: f32, rows: i32, cols: i32, accumulate: i32): void {
  for (let j = 0; j < cols; j++) store<f32>(colA + (<usize>j << 2), 0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const o = (<usize>i * <usize>cols + <usize>j) << 2;
      const v = load<f32>(h + o);
      const d = v * (1 - v);
      let g = scale * load<f32>(norms + (<usize>j << 2)) * 2 * d * (1 - 2 * v);
      if (accumulate) g += load<f32>(dh + o);
      store<f32>(dh + o, g);
      const a = colA + (<usize>j << 2);
      store<f32>(a, load<f32>(a) + d * d);
    }
  }
}

/** dst[k, j] (+)= alpha · colScale[j] · w[k, j] */
export function f32_scale_cols(dst: usize, w: usize, colScale: usize, alpha: f32, rows: i32, cols: i32, accumulate: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * <usize>cols + <usize>j) << 2;
      let g = alpha * load<f32>(colScale + (<usize>j << 2)) * load<f32>(w + o);
      if (accumulate) g += load<f32>(dst + o);
      store<f32>(dst + o, g);
    }
  }
}
