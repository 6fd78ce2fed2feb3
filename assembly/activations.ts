// Activation functions, forward and backward, over contiguous f32 arrays.
// Forward: y = f(x), y == x allowed. Backward: dx (+)= dy·f'(x), with f'
// computed from the output y. Every element, in the vector body or the scalar
// tail, goes through the same f32x4 code, so its bits do not depend on n.
import { lane0, splat, vexpCalled, vlogCalled, vsigmoid, vsoftplus, vsoftplusGradFromOutput, vtanh } from "./math";

const enum Fn {
  Relu,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Softplus,
  Exp,
  Log,
}

// @ts-ignore: decorator
@inline function forward(fn: Fn, x: v128, alpha: v128): v128 {
  switch (fn) {
    // pmax(x, 0) = x < 0 ? 0 : x: one instruction, NaN passes, -0 stays -0.
    case Fn.Relu: return f32x4.pmax(x, f32x4.splat(0));
    case Fn.LeakyRelu: return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, f32x4.splat(0)));
    case Fn.Sigmoid: return vsigmoid(x);
    case Fn.Tanh: return vtanh(x);
    case Fn.Softplus: return vsoftplus(x);
    // exp and log as activations are rare: their copies are called (math.ts).
    case Fn.Exp: return vexpCalled(x);
    default: return vlogCalled(x);
  }
}

/** dy·f'(x), from y = f(x). */
// @ts-ignore: decorator
@inline function backward(fn: Fn, dy: v128, y: v128, alpha: v128): v128 {
  const one = f32x4.splat(1);
  switch (fn) {
    case Fn.Relu: return v128.and(dy, f32x4.gt(y, f32x4.splat(0)));
    // y > 0 exactly where x > 0, for alpha ≥ 0.
    case Fn.LeakyRelu: return v128.bitselect(dy, f32x4.mul(dy, alpha), f32x4.gt(y, f32x4.splat(0)));
    case Fn.Sigmoid: return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(one, y)));
    // (1 - y)(1 + y) rather than 1 - y², exact in 1 - y near |y| = 1.
    case Fn.Tanh: return f32x4.mul(dy, f32x4.mul(f32x4.sub(one, y), f32x4.add(one, y)));
    default: return f32x4.mul(dy, vsoftplusGradFromOutput(y));
  }
}

// @ts-ignore: decorator
@inline function mapForward(fn: Fn, y: usize, x: usize, alpha: f32, n: i32): void {
  const va = splat(alpha);
  let i = 0;
  // Softplus (two divisions per vector) runs faster four vectors at a time;
  // the others run slower so (measured in V8 on x64: spills).
  if (fn == Fn.Softplus) {
    for (; i + 16 <= n; i += 16) {
      const px = x + (<usize>i << 2);
      const py = y + (<usize>i << 2);
      const x0 = v128.load(px);
      const x1 = v128.load(px, 16);
      const x2 = v128.load(px, 32);
      const x3 = v128.load(px, 48);
      v128.store(py, forward(fn, x0, va));
      v128.store(py, forward(fn, x1, va), 16);
      v128.store(py, forward(fn, x2, va), 32);
      v128.store(py, forward(fn, x3, va), 48);
    }
  }
  for (; i + 8 <= n; i += 8) {
    const px = x + (<usize>i << 2);
    const py = y + (<usize>i << 2);
    const x0 = v128.load(px);
    const x1 = v128.load(px, 16);
    v128.store(py, forward(fn, x0, va));
    v128.store(py, forward(fn, x1, va), 16);
  }
  for (; i + 4 <= n; i += 4) {
    v128.store(y + (<usize>i << 2), forward(fn, v128.load(x + (<usize>i << 2)), va));
  }
  for (; i < n; i++) {
    store<f32>(y + (<usize>i << 2), lane0(forward(fn, splat(load<f32>(x + (<usize>i << 2))), va)));
  }
}

// @ts-ignore: decorator
@inline function mapBackward(fn: Fn, dx: usize, dy: usize, y: usize, alpha: f32, n: i32, accumulate: i32): void {
  const va = splat(alpha);
  const add = accumulate != 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    let g0 = backward(fn, v128.load(dy + off), v128.load(y + off), va);
    let g1 = backward(fn, v128.load(dy + off, 16), v128.load(y + off, 16), va);
    if (add) {
      g0 = f32x4.add(v128.load(dx + off), g0);
      g1 = f32x4.add(v128.load(dx + off, 16), g1);
    }
    v128.store(dx + off, g0);
    v128.store(dx + off, g1, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    let g = backward(fn, v128.load(dy + off), v128.load(y + off), va);
    if (add) g = f32x4.add(v128.load(dx + off), g);
    v128.store(dx + off, g);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    let g = lane0(backward(fn, splat(load<f32>(dy + off)), splat(load<f32>(y + off)), va));
    if (add) g = load<f32>(dx + off) + g;
    store<f32>(dx + off, g);
  }
}

export function f32_relu(y: usize, x: usize, n: i32): void {
  mapForward(Fn.Relu, y, x, 0, n);
}

export function f32_relu_backward(dx: usize, dy: usize, y: usize, n: i32, accumulate: i32): void {
  mapBackward(Fn.Relu, dx, dy, y, 0, n, accumulate);
}

/** y = x for x > 0, else alpha·x; alpha ≥ 0 (the backward reads the sign of y). */
export function f32_leaky_relu(y: usize, x: usize, alpha: f32, n: i32): void {
  mapForward(Fn.LeakyRelu, y, x, alpha, n);
}

export function f32_leaky_relu_backward(dx: usize, dy: usize, y: usize, alpha: f32, n: i32, accumulate: i32): void {
  mapBackward(Fn.LeakyRelu, dx, dy, y, alpha, n, accumulate);
}

export function f32_sigmoid(y: usize, x: usize, n: i32): void {
  mapForward(Fn.Sigmoid, y, x, 0, n);
}

export function f32_sigmoid_backward(dx: usize, dy: usize, y: usize, n: i32, accumulate: i32): void {
  mapBackward(Fn.Sigmoid, dx, dy, y, 0, n, accumulate);
}

export function f32_tanh(y: usize, x: usize, n: i32): void {
  mapForward(Fn.Tanh, y, x, 0, n);
}

export function f32_tanh_backward(dx: usize, dy: usize, y: usize, n: i32, accumulate: i32): void {
  mapBackward(Fn.Tanh, dx, dy, y, 0, n, accumulate);
}

export function f32_softplus(y: usize, x: usize, n: i32): void {
  mapForward(Fn.Softplus, y, x, 0, n);
}

export function f32_softplus_backward(dx: usize, dy: usize, y: usize, n: i32, accumulate: i32): void {
  mapBackward(Fn.Softplus, dx, dy, y, 0, n, accumulate);
}

export function f32_exp(y: usize, x: usize, n: i32): void {
  mapForward(Fn.Exp, y, x, 0, n);
}

export function f32_log(y: usize, x: usize, n: i32): void {
  mapForward(Fn.Log, y, x, 0, n);
}
