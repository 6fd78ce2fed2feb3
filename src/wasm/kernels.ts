// The typed list of every export of the wasm core (assembly/index.ts).
//
// Conventions, stated once here rather than at each entry:
// - a `Ptr` is a byte offset into the one linear memory, 16-byte aligned
//   unless noted; arrays are contiguous and row-major;
// - counts (`n`, `rows`, `cols`, `m`, `n`, `k`) are element counts, not bytes;
// - `accumulate` is 0 (write the result) or 1 (add it to what is there);
// - every kernel reads and writes only the memory it is given: no kernel
//   allocates, and none calls back into the host.
// Adding a kernel: one entry here, one naive reference in test/reference/,
// one test, one bench.

export type Ptr = number;

export interface Kernels {
  /** First byte above the module's static data: the host allocates from here. */
  heap_base(): Ptr;

  // ---- gemm (assembly/gemm.ts) ----------------------------------------------
  /** Bytes of workspace any f32_gemm_* needs for an m×n×k product. */
  gemm_workspace_bytes(m: number, n: number, k: number): number;
  /** C[m×n] (+)= A[m×k]·B[k×n] (+ bias[n] broadcast over rows when bias ≠ 0). */
  f32_gemm_nn(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number, work: Ptr): void;
  /** C[m×n] (+)= A[m×k]·B[n×k]ᵀ (+ bias[n]). */
  f32_gemm_nt(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number, work: Ptr): void;
  /** C[m×n] (+)= A[k×m]ᵀ·B[k×n] (+ bias[n]). */
  f32_gemm_tn(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number, work: Ptr): void;
  // Ranges, part of the ABI: the _range variants compute only the block of C
  // at rows [i0, i1) × columns [j0, j1) of the m×n product (bounds clamped to
  // m and n, an empty block doing nothing) and neither read nor write C
  // elsewhere. An element's k blocks and order do not depend on the block
  // that holds it, so calls on any partition of C (no tile alignment needed)
  // give the bits of the whole call; disjoint blocks may run at once on one
  // memory, each with its own work of gemm_workspace_bytes(m, n, k).
  /** f32_gemm_nn on the block rows [i0, i1) × columns [j0, j1) of C. */
  f32_gemm_nn_range(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number,
    i0: number, i1: number, j0: number, j1: number, work: Ptr): void;
  /** f32_gemm_nt on the block rows [i0, i1) × columns [j0, j1) of C. */
  f32_gemm_nt_range(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number,
    i0: number, i1: number, j0: number, j1: number, work: Ptr): void;
  /** f32_gemm_tn on the block rows [i0, i1) × columns [j0, j1) of C. */
  f32_gemm_tn_range(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number,
    i0: number, i1: number, j0: number, j1: number, work: Ptr): void;

  // ---- elementwise (assembly/elementwise.ts) --------------------------------
  f32_fill(dst: Ptr, value: number, n: number): void;
  f32_copy(dst: Ptr, src: Ptr, n: number): void;
  /** dst = a + b */
  f32_add(dst: Ptr, a: Ptr, b: Ptr, n: number): void;
  /** dst = a - b */
  f32_sub(dst: Ptr, a: Ptr, b: Ptr, n: number): void;
  /** dst = a * b */
  f32_mul(dst: Ptr, a: Ptr, b: Ptr, n: number): void;
  /** dst = c * src */
  f32_scale(dst: Ptr, src: Ptr, c: number, n: number): void;
  /** dst += alpha * x */
  f32_axpy(dst: Ptr, x: Ptr, alpha: number, n: number): void;
  /** dst = min(max(src, lo), hi) */
  f32_clip(dst: Ptr, src: Ptr, lo: number, hi: number, n: number): void;
  /** dst[i, j] += bias[j] over a rows×cols matrix. */
  f32_add_bias(dst: Ptr, bias: Ptr, rows: number, cols: number): void;
  /** dst[j] (+)= Σ_i src[i, j]: the bias gradient; rows summed in order 0..rows-1. */
  f32_colsum(dst: Ptr, src: Ptr, rows: number, cols: number, accumulate: number): void;
  /** dst[r, :] = src[idx[r], :] for r < count; idx is u32, 4-byte aligned. */
  f32_gather_rows(dst: Ptr, src: Ptr, idx: Ptr, count: number, cols: number): void;

  // ---- activations (assembly/activations.ts) --------------------------------
  // Forward: y = f(x), in place allowed (y == x). Backward: dx (+)= dy · f'(x),
  // with f' computed from the output y, so x need not be kept.
  f32_relu(y: Ptr, x: Ptr, n: number): void;
  f32_relu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number, accumulate: number): void;
  f32_leaky_relu(y: Ptr, x: Ptr, alpha: number, n: number): void;
  f32_leaky_relu_backward(dx: Ptr, dy: Ptr, y: Ptr, alpha: number, n: number, accumulate: number): void;
  f32_sigmoid(y: Ptr, x: Ptr, n: number): void;
  f32_sigmoid_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number, accumulate: number): void;
  f32_tanh(y: Ptr, x: Ptr, n: number): void;
  f32_tanh_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number, accumulate: number): void;
  /** y = log(1 + exp(x)); backward uses f'(x) = 1 - exp(-y). */
  f32_softplus(y: Ptr, x: Ptr, n: number): void;
  f32_softplus_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number, accumulate: number): void;
  /** y = exp(x), y = log(x): the vector math the other kernels use, exported for tests. */
  f32_exp(y: Ptr, x: Ptr, n: number): void;
  f32_log(y: Ptr, x: Ptr, n: number): void;

  // ---- losses (assembly/losses.ts) ------------------------------------------
  // *_sum return the f64 sum over all n elements, in a fixed order.
  // *_backward write (or add) scale · ∂(sum)/∂pred.
  /** Σ (pred - target)² */
  f32_mse_sum(pred: Ptr, target: Ptr, n: number): number;
  f32_mse_backward(dpred: Ptr, pred: Ptr, target: Ptr, scale: number, n: number, accumulate: number): void;
  /** Σ max(z,0) - z·t + log(1 + exp(-|z|)): binary cross-entropy of sigmoid(z), stable. */
  f32_bce_logits_sum(logits: Ptr, target: Ptr, n: number): number;
  /**
   * f32_bce_logits_sum, also writing diff[i] = sigmoid(z_i) - t_i: scale·diff (f32_scale, or f32_axpy onto a
   * prior) has the bits of f32_bce_logits_backward (test-only: test/test-kernels.ts).
   */
  f32_bce_logits_sum_diff(logits: Ptr, target: Ptr, diff: Ptr, n: number): number;
  /** Σ -(t·log p + (1-t)·log(1-p)) with p clamped to [eps, 1-eps]. */
  f32_bce_sum(prob: Ptr, target: Ptr, eps: number, n: number): number;
  f32_bce_backward(dprob: Ptr, prob: Ptr, target: Ptr, eps: number, scale: number, n: number, accumulate: number): void;
  /** Σ |pred - target| */
  f32_l1_sum(pred: Ptr, target: Ptr, n: number): number;
  /** d/dpred = sign(pred - target), 0 where equal. */
  f32_l1_backward(dpred: Ptr, pred: Ptr, target: Ptr, scale: number, n: number, accumulate: number): void;
  /** dst[r] = mean_j (pred[r,j] - target[r,j])²: per-sample reconstruction error. */
  f32_row_mse(dst: Ptr, pred: Ptr, target: Ptr, rows: number, cols: number): void;

  // ---- optimizers (assembly/optim.ts) ---------------------------------------
  /**
   * One Adam step over n parameters (PyTorch's Adam/AdamW): m, v moments; bias
   * correction for step t ≥ 1; weightDecay is decoupled (AdamW) when
   * decoupled = 1, else added to the gradient (L2). Moments below 2^-126 are
   * stored as zero. keep ≠ 0: p, m, v from before the update are stored at
   * keep, keep + 4·keepStride, keep + 8·keepStride (bytes; keepStride in
   * floats), in the same pass. Returns the index of the first non-finite
   * parameter after the update, or -1. Elements are independent: a range of
   * them is one call on offset pointers (keep offset like param, same stride).
   */
  f32_adam_step(param: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, decoupled: number, t: number, keep: Ptr, keepStride: number): number;
  /** SGD with momentum (PyTorch's convention: v = μ·v + g; p -= lr·v, or lr·(g + μ·v) when nesterov = 1). */
  f32_sgd_step(param: Ptr, grad: Ptr, velocity: Ptr, n: number, lr: number, momentum: number,
    weightDecay: number, nesterov: number): number;

  // ---- gradient clipping (assembly/clip.ts) ---------------------------------
  // Keras's clipvalue / clipnorm / global_clipnorm, in place on gradients;
  // norms summed in f64 in a fixed order. A gradient within the bound is left
  // bit for bit; a NaN or infinite norm is left to the update's check.
  /** grad[i] = clamp(grad[i], −limit, limit) over n floats (limit > 0). */
  f32_clip_value(grad: Ptr, n: number, limit: number): void;
  /** Each tensor t, floats [bounds[t], bounds[t+1]) of grad (bounds: u32 × tensors+1), scaled to a norm ≤ maxNorm. */
  f32_clip_norm_each(grad: Ptr, bounds: Ptr, tensors: number, maxNorm: number): void;
  /** All n gradients scaled together to a joint norm ≤ maxNorm; returns the norm before clipping. */
  f32_clip_global_norm(grad: Ptr, n: number, maxNorm: number): number;

  // ---- random numbers (assembly/random.ts) ----------------------------------
  // Counter-based (Philox4x32-10): element i of a draw is a pure function of
  // (seed, stream, counter, i), so draws are reproducible in any order.
  // seed, stream, counter are u32. Key = (seed, stream); word i of a draw is
  // output word i & 3 of counter block (i >>> 2, counter, 0, 0): each counter
  // value is its own segment, and a draw of n is the prefix of any longer one.
  /** dst[i] in [lo, hi) (clamped below hi), from the top 24 bits of word i. */
  f32_rand_uniform(dst: Ptr, n: number, seed: number, stream: number, counter: number, lo: number, hi: number): void;
  /** Box–Muller on the word pairs (0, 1), (2, 3) of each block: cos, sin. */
  f32_rand_normal(dst: Ptr, n: number, seed: number, stream: number, counter: number, mean: number, std: number): void;
  /** dst = a permutation of 0..n-1 (u32), Fisher–Yates driven by the generator. */
  u32_permutation(dst: Ptr, n: number, seed: number, stream: number, counter: number): void;
  /** dst[0..3] (u32) = Philox4x32-10 of counter (c0, c1, c2, c3) and key (k0, k1): for known-answer tests. */
  u32_philox4x32(dst: Ptr, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void;
  /** The CRC-32 (IEEE, as zlib and PNG) of n bytes at src continuing from the CRC of earlier bytes (0 to start); signed i32 bits. */
  u8_crc32(src: Ptr, n: number, previous: number): number;

  // ---- reductions (assembly/reduce.ts) --------------------------------------
  // f32_sum and f32_dot, in the same order, are test-only (test/test-kernels.ts).
  f32_sum_squares(x: Ptr, n: number): number;
  f32_max(x: Ptr, n: number): number;
  f32_min(x: Ptr, n: number): number;
  /** Index of the first NaN or ±Infinity, or -1. */
  f32_first_nonfinite(x: Ptr, n: number): number;

  // ---- linear algebra (assembly/linalg.ts) ----------------------------------
  // f64 arrays are 8-byte elements, 16-byte aligned like every pointer.
  /** dst[c] (f64) = mean over rows of x[r, c] (x f32 rows×cols), rows summed in order. */
  f64_column_means(dst: Ptr, x: Ptr, rows: number, cols: number): void;
  /** Bytes of workspace f64_scatter needs for `cols` features. */
  f64_scatter_workspace_bytes(cols: number): number;
  /** dst[cols×cols] (f64) = Σ_r (x[r] − mean)(x[r] − mean)ᵀ; x f32 rows×cols, mean f64[cols]. */
  f64_scatter(dst: Ptr, x: Ptr, mean: Ptr, rows: number, cols: number, work: Ptr): void;
  /** Bytes of workspace f64_symmetric_eigen needs for an n×n matrix. */
  f64_symmetric_eigen_workspace_bytes(n: number): number;
  /**
   * Eigen-decomposition of the symmetric f64 n×n matrix `a` (upper triangle
   * read). On return row i of `a` is the unit eigenvector of values[i] (f64),
   * values descending, each vector's largest-|·| entry positive. Returns 0, or
   * 1 + the index of an eigenvalue that did not converge.
   */
  f64_symmetric_eigen(a: Ptr, n: number, values: Ptr, work: Ptr): number;
  /** dst[i] (f32) = src[i] (f64), rounded to nearest. */
  f32_from_f64(dst: Ptr, src: Ptr, n: number): void;

  // ---- convolution, batch norm, pooling (assembly/conv-*.ts, batchnorm.ts, pool.ts) ----
  // Images are NHWC: x[n, h, w, c], channels innermost. Pointers need only
  // 4-byte alignment here.
  // Convolution without an im2col matrix: the image is packed straight into the
  // gemm tile. wm is a [kh, kw, c, f] filter read as a [kh·kw·c, f] matrix,
  // im2col(x) the [n·oh·ow, kh·kw·c] matrix of receptive fields (row (b, oy,
  // ox), column (ky, kx, ci): x[b, oy·sh − padTop + ky, ox·sw − padLeft + kx,
  // ci], 0 outside the image; assembly/conv-common.ts).
  // geometry: a block of 13 i32 [n, h, w, c, kh, kw, sh, sw, padTop, padLeft,
  // oh, ow, f] (4-byte aligned; convGeometryBlock in src/ops/conv2d.ts), read
  // by every call and never written. work: the kernel's _workspace_bytes of
  // the geometry, private to the call.
  // Ranges, part of the ABI: each kernel computes only the elements of its
  // output whose innermost index (channel) lies in [start, end), bounds
  // clamped to the axis, an empty range doing nothing; the output's other
  // elements are neither read nor written. Every element is computed by the same operations in the
  // same order whatever range holds it, so calls on [0, a) and [a, n) give the
  // bits of one call on [0, n), for any a (no tile alignment needed), and
  // disjoint ranges may run at once on one memory, each with its own work.
  /** 1 where f32_conv2d_nhwc and _fused compute each output pixel on its own (c < 4): then calls on ranges of whole images give one call's bits. */
  f32_conv2d_nhwc_pixelwise(geometry: Ptr): number;
  /** Bytes of work f32_conv2d_nhwc and _fused need for a geometry (any range). */
  f32_conv2d_nhwc_workspace_bytes(geometry: Ptr): number;
  /** Bytes of work f32_conv2d_nhwc_adjoint and _fused need for a geometry (any range). */
  f32_conv2d_nhwc_adjoint_workspace_bytes(geometry: Ptr): number;
  /** Bytes of work f32_conv2d_nhwc_filter_grad needs for a geometry (any range). */
  f32_conv2d_nhwc_filter_grad_workspace_bytes(geometry: Ptr): number;
  /**
   * y[n·oh·ow, f] (+)= im2col(x)·wm (+ bias[f] unless 0) on output channels [f0, f1):
   * f32_gemm_nn's bits on the im2col matrix (but for the sign of an all-zero sum).
   */
  f32_conv2d_nhwc(y: Ptr, x: Ptr, wm: Ptr, bias: Ptr, geometry: Ptr, accumulate: number, f0: number, f1: number, work: Ptr): void;
  /**
   * x[n, h, w, c] (+)= col2im(p·wmᵀ), p [n·oh·ow, f] (+ bias[c] when writing, unless 0) on
   * image channels [c0, c1): the adjoint.
   */
  f32_conv2d_nhwc_adjoint(x: Ptr, p: Ptr, wm: Ptr, bias: Ptr, geometry: Ptr, accumulate: number, c0: number, c1: number, work: Ptr): void;
  /**
   * wm (+)= im2col(x)ᵀ·g, g [n·oh·ow, f], on filter columns [f0, f1): the filter gradient,
   * every element summed over the whole batch of the call.
   */
  f32_conv2d_nhwc_filter_grad(wm: Ptr, x: Ptr, g: Ptr, geometry: Ptr, accumulate: number, f0: number, f1: number, work: Ptr): void;
  // The _fused variants pass each finished element through an epilogue, with
  // the bits of the separate pass: 0 none, 1 relu, 2 leaky relu (alpha),
  // 3 the ReLU-backward mask (element kept where mask[i] > 0, else +0; mask
  // laid out as the output).
  /** f32_conv2d_nhwc, then y = epilogue(y) on the range. */
  f32_conv2d_nhwc_fused(y: Ptr, x: Ptr, wm: Ptr, bias: Ptr, geometry: Ptr, accumulate: number, f0: number, f1: number,
    epilogue: number, alpha: number, mask: Ptr, work: Ptr): void;
  /** f32_conv2d_nhwc_adjoint, then x = epilogue(x) on the range. */
  f32_conv2d_nhwc_adjoint_fused(x: Ptr, p: Ptr, wm: Ptr, bias: Ptr, geometry: Ptr, accumulate: number, c0: number, c1: number,
    epilogue: number, alpha: number, mask: Ptr, work: Ptr): void;
  // Batch norm over x[rows, cols]: cols channels, all other axes in rows.
  // work is scratch of 16·cols bytes (whatever the range); per-channel sums
  // run in f64, rows in order.
  // Ranges, part of the ABI: each kernel computes only the channels [c0, c1)
  // of its outputs (clamped to [0, cols), an empty range doing nothing) and
  // neither reads nor writes their other channels; a channel gets the same
  // operations in the same order whatever range holds it, so calls on any
  // partition of [0, cols) give the bits of one call on [0, cols), and
  // disjoint ranges may run at once on one memory, each with its own work.
  /** mean[cols], variance[cols]: batch mean and biased variance Σ(x − mean)²/rows, on channels [c0, c1). */
  f32_batchnorm_stats(mean: Ptr, variance: Ptr, x: Ptr, rows: number, cols: number, c0: number, c1: number, work: Ptr): void;
  /** invstd = 1/sqrt(variance + eps); y = ((x − mean)·invstd)·gamma + beta, on channels [c0, c1). In place allowed. */
  f32_batchnorm_forward(y: Ptr, invstd: Ptr, x: Ptr, mean: Ptr, variance: Ptr, gamma: Ptr, beta: Ptr,
    eps: number, rows: number, cols: number, c0: number, c1: number): void;
  /** sumDy = Σ dy (= dbeta), sumDyXhat = Σ dy·(x − mean)·invstd (= dgamma), per channel of [c0, c1). */
  f32_batchnorm_backward_sums(sumDy: Ptr, sumDyXhat: Ptr, dy: Ptr, x: Ptr, mean: Ptr, invstd: Ptr,
    rows: number, cols: number, c0: number, c1: number, work: Ptr): void;
  /**
   * dx (+)= gamma·invstd·((dy − sumDy/rows) − xhat·sumDyXhat/rows) when training = 1
   * (batch statistics), dx (+)= gamma·invstd·dy when training = 0 (sums unread), on channels [c0, c1).
   */
  f32_batchnorm_backward(dx: Ptr, dy: Ptr, x: Ptr, mean: Ptr, invstd: Ptr, gamma: Ptr, sumDy: Ptr, sumDyXhat: Ptr,
    rows: number, cols: number, training: number, accumulate: number, c0: number, c1: number, work: Ptr): void;
  /** y[n, h/2, w/2, c] = max of each 2×2 window (odd last row/col dropped; ties and NaN: first element). */
  f32_maxpool2x2(y: Ptr, x: Ptr, n: number, h: number, w: number, c: number): void;
  /** dx[n, h, w, c] (+)= dy routed to each window's max element of x; others get 0. */
  f32_maxpool2x2_backward(dx: Ptr, dy: Ptr, x: Ptr, n: number, h: number, w: number, c: number, accumulate: number): void;
  /** y[n, 2h, 2w, c] = x[n, h, w, c] repeated over 2×2 blocks. */
  f32_upsample2x(y: Ptr, x: Ptr, n: number, h: number, w: number, c: number): void;
  /** dx[n, h, w, c] (+)= ((dy00 + dy01) + dy10) + dy11 over each 2×2 block of dy[n, 2h, 2w, c]. */
  f32_upsample2x_backward(dx: Ptr, dy: Ptr, n: number, h: number, w: number, c: number, accumulate: number): void;

  // ---- noise (assembly/noise.ts) ---------------------------------------------
  // u holds uniforms in [0, 1) from f32_rand_uniform.
  /** dst (+)= (u < rate ? 0 : x·scale): dropout (scale 1/(1−rate), its own backward) and masking noise (scale 1). */
  f32_dropout(dst: Ptr, x: Ptr, u: Ptr, rate: number, scale: number, n: number, accumulate: number): void;
  /** dst = lo where u < rate/2, hi where u ≥ 1 − rate/2, else x. */
  f32_salt_pepper(dst: Ptr, x: Ptr, u: Ptr, rate: number, lo: number, hi: number, n: number): void;

  // ---- regularizers (assembly/regularizers.ts) -------------------------------
  /** Σ |x| in index order. */
  f32_abs_sum(x: Ptr, n: number): number;
  /** dst (+)= scale·sign(x), sign(0) = 0. */
  f32_sign_scaled(dst: Ptr, x: Ptr, scale: number, n: number, accumulate: number): void;
  /** Σ_j KL(ρ ‖ ρ̂_j) for Bernoulli means, ρ̂ clamped to [1e-6, 1 − 1e-6]. */
  f32_kl_sparsity_sum(rhoHat: Ptr, rho: number, cols: number): number;
  /** dz[i, j] (+)= scale·(−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)) for every row i. */
  f32_kl_sparsity_backward(dz: Ptr, rhoHat: Ptr, rho: number, scale: number, rows: number, cols: number, accumulate: number): void;
  /** mask[i, j] = 1 for the k largest of row i (ties: lower index), else 0. */
  f32_topk_mask_rows(mask: Ptr, x: Ptr, rows: number, cols: number, k: number): void;
  /** dst[j] = Σ_k w[k, j]² */
  f32_col_sum_squares(dst: Ptr, w: Ptr, rows: number, cols: number): void;
  /** Σ_ij (h(1−h))²·norms[j]: the contractive penalty of a sigmoid layer h. */
  f32_contractive_sum(h: Ptr, norms: Ptr, rows: number, cols: number): number;
  /** dh (+)= scale·norms[j]·2h(1−h)(1−2h); colA[j] = Σ_i (h(1−h))². */
  f32_contractive_backward(dh: Ptr, colA: Ptr, h: Ptr, norms: Ptr, scale: number, rows: number, cols: number, accumulate: number): void;
  /** dst[k, j] (+)= alpha·colScale[j]·w[k, j] */
  f32_scale_cols(dst: Ptr, w: Ptr, colScale: Ptr, alpha: number, rows: number, cols: number, accumulate: number): void;

  // ---- variational (assembly/variational.ts) ---------------------------------
  /** z = μ + exp(½·log σ²)·ε */
  f32_reparameterize(z: Ptr, mu: Ptr, logvar: Ptr, eps: Ptr, n: number): void;
  /** dμ (+)= dz; d log σ² (+)= ½·dz·ε·exp(½·log σ²). */
  f32_reparameterize_backward(dmu: Ptr, dlogvar: Ptr, dz: Ptr, logvar: Ptr, eps: Ptr, n: number, accMu: number, accLogvar: number): void;
  /** Σ ½(exp(log σ²) + μ² − 1 − log σ²): KL(N(μ, σ²) ‖ N(0, 1)) over all elements. */
  f32_kl_normal_sum(mu: Ptr, logvar: Ptr, n: number): number;
  /** dμ (+)= scale·μ; d log σ² (+)= scale·½(exp(log σ²) − 1). */
  f32_kl_normal_backward(dmu: Ptr, dlogvar: Ptr, mu: Ptr, logvar: Ptr, scale: number, n: number, accMu: number, accLogvar: number): void;
  /** dst[r] = Σ_j log N(z; μ, exp(log σ²)); mu = logvar = 0 for the standard normal. */
  f32_row_log_normal(dst: Ptr, z: Ptr, mu: Ptr, logvar: Ptr, rows: number, cols: number): void;
  /** dst[r] = Σ_j BCE of sigmoid(logits) against target, per row. */
  f32_row_bce_logits(dst: Ptr, logits: Ptr, target: Ptr, rows: number, cols: number): void;
  /** dst[r] = Σ_j (a − b)² per row. */
  f32_row_sq_sum(dst: Ptr, a: Ptr, b: Ptr, rows: number, cols: number): void;
  /** dst[j] = log mean_i exp(src[i, j]) over a k×cols matrix (max-shifted). */
  f32_logmeanexp_cols(dst: Ptr, src: Ptr, k: number, cols: number): void;

  // ---- applications (assembly/apps.ts) ----
  // Pointers need only 4-byte alignment here.
  /** dst[r, c] = src[r, c]·scale[c] + offset[c] (two roundings, no FMA); in place allowed. */
  f32_affine_columns(dst: Ptr, src: Ptr, scale: Ptr, offset: Ptr, rows: number, cols: number): void;
  /** min[c], max[c] over the rows of x[rows, cols] (±Inf when rows = 0; NaN propagates). */
  f32_column_min_max(min: Ptr, max: Ptr, x: Ptr, rows: number, cols: number): void;
  /** dst[r] = Σ_j x[r, j]², in f64 (partial sums j mod 4, then a tail), rounded once. */
  f32_row_sum_squares(dst: Ptr, x: Ptr, rows: number, cols: number): void;
  /** d[i, j] = max((na[i] + nb[j]) − 2·dot[i, j], 0): squared distances from norms and dot products; in place allowed. */
  f32_sq_distances(d: Ptr, dot: Ptr, na: Ptr, nb: Ptr, rows: number, cols: number): void;
  /** idx[r, 0..k) (u32) = columns of the k smallest x[r, ·], ascending, ties by lower column; 1 ≤ k ≤ cols, no NaN. */
  u32_row_smallest_k(idx: Ptr, x: Ptr, rows: number, cols: number, k: number): void;
  /** y[r, ·] = softmax(x[r, ·]) (max-shifted, f64 sum); in place allowed. */
  f32_softmax_rows(y: Ptr, x: Ptr, rows: number, cols: number): void;
  /**
   * dlogits = scale·(softmax(logits) − onehot(labels)) (labels u32 < cols; dlogits may be logits);
   * returns Σ_r −log softmax(logits[r])[labels[r]].
   */
  f32_softmax_xent_backward(dlogits: Ptr, logits: Ptr, labels: Ptr, scale: number, rows: number, cols: number): number;
  /** y = erf(x) (Abramowitz & Stegun 7.1.26 in f64), absolute error ≤ 1.5e-7 + 2^-25; in place allowed. */
  f32_erf(y: Ptr, x: Ptr, n: number): void;
}
