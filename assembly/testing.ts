// The kernels only tests call, for a test-only build (test/test-kernels.ts)
// that runs on the core's memory: references and cross-checks of the shipped
// kernels (f32_bce_logits_backward gives the bits that f32_bce_logits_sum_diff's
// diff must give once scaled). None holds data or globals of its own.
export { f32_sum, f32_dot } from "./reduce";
export { f32_bce_logits_backward } from "./losses";
