// Dense linear algebra in f64 for PCA: column means, the scatter matrix of
// centered data, and a symmetric eigensolver. Matrices are row-major; f64
// arrays are 8-byte elements (16-byte aligned for the v128 loops).

/** Rows of centered data held (transposed, in f64) per pass of f64_scatter. */
const SCATTER_BLOCK: i32 = 64;
/** QL iterations allowed per eigenvalue before f64_symmetric_eigen gives up. */
const MAX_QL_ITERATIONS: i32 = 64;
const EPSILON: f64 = 2.220446049250313e-16;

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 3);
}

/** dst[c] = (1/rows) Σ_r x[r, c] in f64, rows summed in order 0..rows-1. */
export function f64_column_means(dst: usize, x: usize, rows: i32, cols: i32): void {
  memory.fill(dst, 0, <usize>cols << 3);
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>r * <usize>cols << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const p = at(dst, c);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
      v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
    }
    for (; c < cols; c++) {
      const p = at(dst, c);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>c << 2)));
    }
  }
  const n = <f64>rows;
  for (let c = 0; c < cols; c++) store<f64>(at(dst, c), load<f64>(at(dst, c)) / n);
}

/** Bytes of workspace f64_scatter needs for `cols` features. */
export function f64_scatter_workspace_bytes(cols: i32): i32 {
  return cols * SCATTER_BLOCK * 8;
}

/**
 * dst[cols×cols] = Σ_r (x[r] − mean)(x[r] − mean)ᵀ in f64: x is f32 rows×cols,
 * mean f64. Rows are taken in blocks of SCATTER_BLOCK, centered and transposed
 * into `work` (f64_scatter_workspace_bytes), and each block's upper triangle
 * is added to dst in 2×4 register tiles; the lower triangle is mirrored last.
 * Within a block, even and odd rows are summed in separate lanes and the two
 * lanes added at the end of the block: a fixed order whatever the machine.
 */
export function f64_scatter(dst: usize, x: usize, mean: usize, rows: i32, cols: i32, work: usize): void {
  memory.fill(dst, 0, <usize>cols * <usize>cols << 3);
  for (let r0 = 0; r0 < rows; r0 += SCATTER_BLOCK) {
    const count = min(SCATTER_BLOCK, rows - r0);
    const padded = (count + 1) & ~1;
    centerTransposed(work, x, mean, r0, count, padded, cols);
    addBlockUpper(dst, work, padded, cols);
  }
  for (let i = 1; i < cols; i++) {
    for (let j = 0; j < i; j++) store<f64>(at(dst, i * cols + j), load<f64>(at(dst, j * cols + i)));
  }
}

/** work[c, r] = x[r0 + r, c] − mean[c] for r < count, zero for count ≤ r < padded. */
function centerTransposed(work: usize, x: usize, mean: usize, r0: i32, count: i32, padded: i32, cols: i32): void {
  for (let r = 0; r < count; r++) {
    const row = x + (<usize>(r0 + r) * <usize>cols << 2);
    for (let c = 0; c < cols; c++) {
      store<f64>(at(work, c * SCATTER_BLOCK + r), <f64>load<f32>(row + (<usize>c << 2)) - load<f64>(at(mean, c)));
    }
  }
  for (let r = count; r < padded; r++) {
    for (let c = 0; c < cols; c++) store<f64>(at(work, c * SCATTER_BLOCK + r), 0);
  }
}

/** dst[i, j] += Σ_r work[i, r]·work[j, r] for j ≥ i (and some j < i, later overwritten). */
function addBlockUpper(dst: usize, work: usize, padded: i32, cols: i32): void {
  const stride = <usize>SCATTER_BLOCK << 3;
  const tiledEnd = cols & ~3;
  let i = 0;
  for (; i + 2 <= cols; i += 2) {
    const a0 = work + <usize>i * stride;
    const a1 = a0 + stride;
    for (let j = i & ~3; j < tiledEnd; j += 4) {
      const b0 = work + <usize>j * stride;
      const b1 = b0 + stride;
      const b2 = b1 + stride;
      const b3 = b2 + stride;
      let vacc0x0 = f64x2.splat(0), vacc0x1 = f64x2.splat(0), vacc0x2 = f64x2.splat(0), vacc0x3 = f64x2.splat(0);
      let vacc1x0 = f64x2.splat(0), vacc1x1 = f64x2.splat(0), vacc1x2 = f64x2.splat(0), vacc1x3 = f64x2.splat(0);
      for (let r = 0; r < padded; r += 2) {
        const off = <usize>r << 3;
        const va0 = v128.load(a0 + off);
        const va1 = v128.load(a1 + off);
        const vb0 = v128.load(b0 + off);
        const vb1 = v128.load(b1 + off);
        const vb2 = v128.load(b2 + off);
        const vb3 = v128.load(b3 + off);
        vacc0x0 = f64x2.add(vacc0x0, f64x2.mul(va0, vb0));
        vacc0x1 = f64x2.add(vacc0x1, f64x2.mul(va0, vb1));
        vacc0x2 = f64x2.add(vacc0x2, f64x2.mul(va0, vb2));
        vacc0x3 = f64x2.add(vacc0x3, f64x2.mul(va0, vb3));
        vacc1x0 = f64x2.add(vacc1x0, f64x2.mul(va1, vb0));
        vacc1x1 = f64x2.add(vacc1x1, f64x2.mul(va1, vb1));
        vacc1x2 = f64x2.add(vacc1x2, f64x2.mul(va1, vb2));
        vacc1x3 = f64x2.add(vacc1x3, f64x2.mul(va1, vb3));
      }
      const c0 = at(dst, i * cols + j);
      const c1 = at(dst, (i + 1) * cols + j);
      v128.store(c0, f64x2.add(v128.load(c0), pairSums(vacc0x0, vacc0x1)));
      v128.store(c0, f64x2.add(v128.load(c0, 16), pairSums(vacc0x2, vacc0x3)), 16);
      v128.store(c1, f64x2.add(v128.load(c1), pairSums(vacc1x0, vacc1x1)));
      v128.store(c1, f64x2.add(v128.load(c1, 16), pairSums(vacc1x2, vacc1x3)), 16);
    }
    for (let j = max(i, tiledEnd); j < cols; j++) {
      const b = work + <usize>j * stride;
      addTo(at(dst, i * cols + j), dot(a0, b, padded));
      addTo(at(dst, (i + 1) * cols + j), dot(a1, b, padded));
    }
  }
  if (i < cols) {
    const a = work + <usize>i * stride;
    addTo(at(dst, i * cols + i), dot(a, a, padded));
  }
}

/** [a0 + a1, b0 + b1] */
@inline function pairSums(a: v128, b: v128): v128 {
  return f64x2.add(v128.shuffle<f64>(a, b, 0, 2), v128.shuffle<f64>(a, b, 1, 3));
}

@inline function addTo(p: usize, value: f64): void {
  store<f64>(p, load<f64>(p) + value);
}

/** Σ a[r]·b[r] over an even count, even and odd terms in separate lanes. */
function dot(a: usize, b: usize, evenCount: i32): f64 {
  let vacc = f64x2.splat(0);
  for (let r = 0; r < evenCount; r += 2) {
    const off = <usize>r << 3;
    vacc = f64x2.add(vacc, f64x2.mul(v128.load(a + off), v128.load(b + off)));
  }
  return f64x2.extract_lane(vacc, 0) + f64x2.extract_lane(vacc, 1);
}

/** Σ a[j]·b[j] for j < n, unaligned allowed. */
function dotAny(a: usize, b: usize, n: i32): f64 {
  let vacc0 = f64x2.splat(0);
  let vacc1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 3;
    vacc0 = f64x2.add(vacc0, f64x2.mul(v128.load(a + off), v128.load(b + off)));
    vacc1 = f64x2.add(vacc1, f64x2.mul(v128.load(a + off, 16), v128.load(b + off, 16)));
  }
  vacc0 = f64x2.add(vacc0, vacc1);
  let sum = f64x2.extract_lane(vacc0, 0) + f64x2.extract_lane(vacc0, 1);
  for (; j < n; j++) sum += load<f64>(at(a, j)) * load<f64>(at(b, j));
  return sum;
}

/** y[j] += alpha·x[j] for j < n. */
function axpyAny(y: usize, x: usize, alpha: f64, n: i32): void {
  const valpha = f64x2.splat(alpha);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const off = <usize>j << 3;
    v128.store(y + off, f64x2.add(v128.load(y + off), f64x2.mul(valpha, v128.load(x + off))));
  }
  for (; j < n; j++) store<f64>(at(y, j), load<f64>(at(y, j)) + alpha * load<f64>(at(x, j)));
}

/** Bytes of workspace f64_symmetric_eigen needs for an n×n matrix. */
export function f64_symmetric_eigen_workspace_bytes(n: i32): i32 {
  return 4 * n * 8;
}

/**
 * Eigen-decomposition of the symmetric n×n matrix `a` (f64, row-major; only
 * its upper triangle is read). On return, row i of `a` is the unit
 * eigenvector of values[i]; values are sorted descending (ties keep the
 * solver's order) and each eigenvector's largest-|·| entry (the first, on
 * ties) is positive. `work`: f64_symmetric_eigen_workspace_bytes(n).
 * Returns 0, or 1 + the index of an eigenvalue whose QL iteration did not
 * converge within MAX_QL_ITERATIONS (a left in an unspecified state).
 *
 * Householder tridiagonalization, backward accumulation of the orthogonal
 * factor, then the implicit QL iteration with Wilkinson-type shifts on the
 * tridiagonal matrix: Golub & Van Loan, "Matrix Computations" (4th ed.),
 * Algorithms 5.1.1 (house), 8.3.1 and §8.3.5 (the QL form of the implicit
 * symmetric QR step, as in EISPACK's tql2). Eigenvectors are kept as rows so
 * that every Householder and Givens update runs along contiguous memory.
 */
export function f64_symmetric_eigen(a: usize, n: i32, values: usize, work: usize): i32 {
  if (n <= 0) return 0;
  const beta = work;
  const d = at(work, n);
  const e = at(work, 2 * n);
  const p = at(work, 3 * n);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) store<f64>(at(a, i * n + j), load<f64>(at(a, j * n + i)));
  }
  tridiagonalize(a, n, beta, d, e, p);
  accumulateReflections(a, n, beta);
  const code = qlImplicit(a, n, d, e);
  if (code != 0) return code;
  sortDescending(a, n, d);
  for (let i = 0; i < n; i++) fixSign(a + (<usize>i * <usize>n << 3), n);
  memory.copy(values, d, <usize>n << 3);
  return 0;
}

/**
 * Reduces a to tridiagonal form T = Qᵀ·a·Q with Q = H_0···H_(n−3); T's
 * diagonal goes to d, its subdiagonal to e[0..n−2]. Reflector H_k = I − β_k
 * v vᵀ acts on indices k+1..n−1; v (v[0] = 1) is stored in row k of a,
 * columns k+1..n−1, and β_k in beta[k].
 */
function tridiagonalize(a: usize, n: i32, beta: usize, d: usize, e: usize, p: usize): void {
  for (let k = 0; k + 2 < n; k++) householderStep(a, n, k, beta, d, e, p);
  if (n >= 2) {
    store<f64>(at(d, n - 2), load<f64>(at(a, (n - 2) * n + n - 2)));
    store<f64>(at(e, n - 2), load<f64>(at(a, (n - 2) * n + n - 1)));
  }
  store<f64>(at(d, n - 1), load<f64>(at(a, (n - 1) * n + n - 1)));
  store<f64>(at(e, n - 1), 0);
}

// The steps below are functions of their own, called once per step, rather
// than loop bodies: V8 runs a wasm function's first call in its baseline
// tier and switches to optimized code only at a later call, so work kept in
// one long call stays in the slow tier (measured: 0.9 s instead of 0.4 s for
// a first n = 784 decomposition).

/** Step k of tridiagonalize: the reflector zeroing a[k+2.., k], applied to the trailing block. */
function householderStep(a: usize, n: i32, k: i32, beta: usize, d: usize, e: usize, p: usize): void {
  const m = n - k - 1;
  const v = at(a, k * n + k + 1);
  store<f64>(at(d, k), load<f64>(at(a, k * n + k)));
  const x0 = load<f64>(v);
  const sigma = dotAny(v + 8, v + 8, m - 1);
  if (sigma == 0) {
    // Already reduced: T's subdiagonal entry is x0 itself (of either sign).
    store<f64>(at(beta, k), 0);
    store<f64>(at(e, k), x0);
    return;
  }
  const mu = Math.sqrt(x0 * x0 + sigma);
  // v0 = x0 − mu, computed without cancellation when x0 > 0 (G&VL 5.1.1).
  const v0 = x0 <= 0 ? x0 - mu : -sigma / (x0 + mu);
  const b = 2 * v0 * v0 / (sigma + v0 * v0);
  store<f64>(at(beta, k), b);
  store<f64>(at(e, k), mu);
  const inv = 1 / v0;
  store<f64>(v, 1);
  for (let j = 1; j < m; j++) store<f64>(at(v, j), load<f64>(at(v, j)) * inv);
  // p = β·A'v; w = p − (β·pᵀv/2)·v; A' −= v wᵀ + w vᵀ, A' the trailing block.
  const sub = at(a, (k + 1) * n + k + 1);
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < m; i++) store<f64>(at(p, i), b * dotAny(sub + <usize>i * rowBytes, v, m));
  const half = 0.5 * b * dotAny(p, v, m);
  axpyAny(p, v, -half, m);
  for (let i = 0; i < m; i++) {
    const row = sub + <usize>i * rowBytes;
    axpy2(row, v, -load<f64>(at(p, i)), p, -load<f64>(at(v, i)), m);
  }
}

/** y[j] += alpha·x[j] + beta·z[j] for j < n. */
function axpy2(y: usize, x: usize, alpha: f64, z: usize, beta: f64, n: i32): void {
  const valpha = f64x2.splat(alpha);
  const vbeta = f64x2.splat(beta);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const off = <usize>j << 3;
    const t = f64x2.add(f64x2.mul(valpha, v128.load(x + off)), f64x2.mul(vbeta, v128.load(z + off)));
    v128.store(y + off, f64x2.add(v128.load(y + off), t));
  }
  for (; j < n; j++) {
    store<f64>(at(y, j), load<f64>(at(y, j)) + (alpha * load<f64>(at(x, j)) + beta * load<f64>(at(z, j))));
  }
}

/**
 * Overwrites a with Qᵀ (so row i of a is column i of Q), reading the
 * reflectors left in a by tridiagonalize. Backward accumulation: the rows
 * k+1.. already hold the transposed partial product H_(k+1)···H_(n−3)
 * when H_k is applied, and row k, whose reflector is then spent, is reset.
 */
function accumulateReflections(a: usize, n: i32, beta: usize): void {
  resetToUnit(a, n, n - 1);
  for (let k = n - 2; k >= 0; k--) accumulateStep(a, n, k, k + 2 < n ? load<f64>(at(beta, k)) : 0);
}

/** Rows k+1.. of a times H_k = I − b·v vᵀ (v in row k), then row and column k reset. */
function accumulateStep(a: usize, n: i32, k: i32, b: f64): void {
  if (b != 0) {
    const m = n - k - 1;
    const v = at(a, k * n + k + 1);
    for (let i = k + 1; i < n; i++) {
      const row = at(a, i * n + k + 1);
      axpyAny(row, v, -b * dotAny(row, v, m), m);
    }
  }
  resetToUnit(a, n, k);
}

/** a[j, j..] = e_j and a[j+1.., j] = 0: index j untouched by later reflectors. */
function resetToUnit(a: usize, n: i32, j: i32): void {
  memory.fill(at(a, j * n + j), 0, <usize>(n - j) << 3);
  store<f64>(at(a, j * n + j), 1);
  for (let i = j + 1; i < n; i++) store<f64>(at(a, i * n + j), 0);
}

/**
 * Diagonalizes the tridiagonal (d, e) — e[i] couples i and i+1 — by implicit
 * QL steps, applying each Givens rotation to rows i, i+1 of z. Deflation when
 * |e[m]| ≤ ε‖T‖∞, as EISPACK's tql2 does: the relative test of G&VL §8.3.5,
 * |e[m]| ≤ ε(|d[m]| + |d[m+1]|), stalls on clusters of roundoff-level
 * eigenvalues (rank-deficient covariances), and the Householder reduction
 * already costs an error of order ε‖A‖ in every eigenvalue.
 */
function qlImplicit(z: usize, n: i32, d: usize, e: usize): i32 {
  let norm: f64 = 0;
  for (let i = 0; i < n; i++) {
    const below = i > 0 ? Math.abs(load<f64>(at(e, i - 1))) : 0;
    norm = max(norm, Math.abs(load<f64>(at(d, i))) + Math.abs(load<f64>(at(e, i))) + below);
  }
  const negligible = EPSILON * norm;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        if (Math.abs(load<f64>(at(e, m))) <= negligible) break;
      }
      if (m == l) break;
      if (iterations++ >= MAX_QL_ITERATIONS) return l + 1;
      qlSweep(z, n, d, e, l, m);
    }
  }
  return 0;
}

/**
 * One implicit QL step on the unreduced block l..m: a shift from the
 * leading 2×2 block, then Givens rotations chasing the bulge from m−1 up to
 * l, each applied to rows i, i+1 of z. A rotation that meets an exact zero
 * ends the step early: the block has split there, and e[m] is set to 0.
 */
function qlSweep(z: usize, n: i32, d: usize, e: usize, l: i32, m: i32): void {
  const dl = load<f64>(at(d, l));
  const el = load<f64>(at(e, l));
  // Shift: the eigenvalue of the leading 2×2 block nearer to d[l].
  let g = (load<f64>(at(d, l + 1)) - dl) / (2 * el);
  let r = Math.hypot(g, 1);
  g = load<f64>(at(d, m)) - dl + el / (g + copysign<f64>(r, g));
  let s: f64 = 1;
  let c: f64 = 1;
  let shift: f64 = 0;
  for (let i = m - 1; i >= l; i--) {
    const ei = load<f64>(at(e, i));
    const f = s * ei;
    const b = c * ei;
    r = Math.hypot(f, g);
    store<f64>(at(e, i + 1), r);
    if (r == 0) {
      store<f64>(at(d, i + 1), load<f64>(at(d, i + 1)) - shift);
      store<f64>(at(e, m), 0);
      return;
    }
    s = f / r;
    c = g / r;
    g = load<f64>(at(d, i + 1)) - shift;
    r = (load<f64>(at(d, i)) - g) * s + 2 * c * b;
    shift = s * r;
    store<f64>(at(d, i + 1), g + shift);
    g = c * r - b;
    rotateRows(z + (<usize>i * <usize>n << 3), n, c, s);
  }
  store<f64>(at(d, l), load<f64>(at(d, l)) - shift);
  store<f64>(at(e, l), g);
  store<f64>(at(e, m), 0);
}

/** (x, y) ← (c·x − s·y, s·x + c·y) for the row x at `row` and y, the next row. */
function rotateRows(row: usize, n: i32, c: f64, s: f64): void {
  const next = row + (<usize>n << 3);
  const vc = f64x2.splat(c);
  const vs = f64x2.splat(s);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 3;
    const x01 = v128.load(row + off);
    const x23 = v128.load(row + off, 16);
    const y01 = v128.load(next + off);
    const y23 = v128.load(next + off, 16);
    v128.store(row + off, f64x2.sub(f64x2.mul(vc, x01), f64x2.mul(vs, y01)));
    v128.store(row + off, f64x2.sub(f64x2.mul(vc, x23), f64x2.mul(vs, y23)), 16);
    v128.store(next + off, f64x2.add(f64x2.mul(vs, x01), f64x2.mul(vc, y01)));
    v128.store(next + off, f64x2.add(f64x2.mul(vs, x23), f64x2.mul(vc, y23)), 16);
  }
  for (; j + 2 <= n; j += 2) {
    const off = <usize>j << 3;
    const x = v128.load(row + off);
    const y = v128.load(next + off);
    v128.store(row + off, f64x2.sub(f64x2.mul(vc, x), f64x2.mul(vs, y)));
    v128.store(next + off, f64x2.add(f64x2.mul(vs, x), f64x2.mul(vc, y)));
  }
  for (; j < n; j++) {
    const x = load<f64>(at(row, j));
    const y = load<f64>(at(next, j));
    store<f64>(at(row, j), c * x - s * y);
    store<f64>(at(next, j), s * x + c * y);
  }
}

/** Selection sort of d, descending, moving the rows of z along. */
function sortDescending(z: usize, n: i32, d: usize): void {
  const rowBytes = <usize>n << 3;
  for (let i = 0; i + 1 < n; i++) {
    let best = i;
    for (let j = i + 1; j < n; j++) {
      if (load<f64>(at(d, j)) > load<f64>(at(d, best))) best = j;
    }
    if (best == i) continue;
    const t = load<f64>(at(d, i));
    store<f64>(at(d, i), load<f64>(at(d, best)));
    store<f64>(at(d, best), t);
    swapRows(z + <usize>i * rowBytes, z + <usize>best * rowBytes, n);
  }
}

function swapRows(x: usize, y: usize, n: i32): void {
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const off = <usize>j << 3;
    const t = v128.load(x + off);
    v128.store(x + off, v128.load(y + off));
    v128.store(y + off, t);
  }
  for (; j < n; j++) {
    const t = load<f64>(at(x, j));
    store<f64>(at(x, j), load<f64>(at(y, j)));
    store<f64>(at(y, j), t);
  }
}

/** Negates the row when its largest-|·| entry (the first, on ties) is negative. */
function fixSign(row: usize, n: i32): void {
  let best = 0;
  let bestAbs: f64 = -1;
  for (let j = 0; j < n; j++) {
    const v = Math.abs(load<f64>(at(row, j)));
    if (v > bestAbs) {
      bestAbs = v;
      best = j;
    }
  }
  if (load<f64>(at(row, best)) >= 0) return;
  for (let j = 0; j < n; j++) store<f64>(at(row, j), -load<f64>(at(row, j)));
}

/** dst[i] = f32(src[i]), src f64 (round to nearest even). */
export function f32_from_f64(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(at(src, i)));
}
