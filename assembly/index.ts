// Every kernel the host may call; src/wasm/kernels.ts lists their signatures.
// Kernels only tests call (f32_sum, f32_dot, f32_bce_logits_backward) are
// left out of the shipped core: assembly/testing.ts exports them to a
// test-only build (test/test-kernels.ts).
export * from "./runtime";
export * from "./gemm";
export * from "./elementwise";
export * from "./activations";
export {
  f32_mse_sum, f32_mse_backward, f32_bce_logits_sum, f32_bce_logits_sum_diff, f32_bce_sum, f32_bce_backward,
  f32_l1_sum, f32_l1_backward, f32_row_mse,
} from "./losses";
export * from "./optim";
export * from "./clip";
export * from "./random";
export { f32_sum_squares, f32_max, f32_min, f32_first_nonfinite } from "./reduce";
export * from "./linalg";
export * from "./conv-forward";
export * from "./conv-adjoint";
export * from "./conv-filter-grad";
export * from "./batchnorm";
export * from "./pool";
export * from "./noise";
export * from "./regularizers";
export * from "./variational";
export * from "./apps";
export * from "./checksum";
