// y[N,OH,OW,F] = conv2dTranspose(x[N,H,W,C], w[KH,KW,F,C]) + b[F]: the
// adjoint of conv2d from [N,OH,OW,F] to [N,H,W,C] with the HWIO filter w,
// and its backward. Lowered to gemm: y = col2im(x·wᵀ), dx = im2col(dy)·w,
// dw = im2col(dy)ᵀ·x, by conv2d's implicit-gemm kernels.
import { ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import { activateInPlace, inputGradTarget, preActivationGrad, recordFused, type FusedActivation } from "./activation.js";
import { axisPadding, checkImage, checkWindowOptions, convAdjoint, convFilterGrad, convForward, convOutputLength, isPointwise, maskAfterGemm, maskEpilogue, paddingText, type AxisPadding, type Padding, type WindowGeometry } from "./conv2d.js";
import { gemm } from "./gemm.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";
import { shapeText } from "../shape.js";

/**
 * Keras' output length of a transposed convolution (deconv_output_length,
 * dilation 1): without output padding H·s + max(K − s, 0) ("valid") or H·s
 * ("same"); with it (H − 1)·s + K − 2·pad + outputPadding, pad = 0 ("valid")
 * or floor(K/2) ("same"); with explicit pads [b, e] (PyTorch's and ONNX's)
 * (H − 1)·s + K − b − e + outputPadding.
 */
export function convTransposeOutputLength(input: number, kernel: number, stride: number, padding: AxisPadding, outputPadding: number | null): number {
  if (typeof padding !== "string") return (input - 1) * stride + kernel - padding[0] - padding[1] + (outputPadding ?? 0);
  if (outputPadding === null) return padding === "valid" ? input * stride + Math.max(kernel - stride, 0) : input * stride;
  const pad = padding === "valid" ? 0 : Math.floor(kernel / 2);
  return (input - 1) * stride + kernel - 2 * pad + outputPadding;
}

/**
 * Validates shapes and returns the im2col geometry of the output (the image
 * y [N,OH,OW,F] read by the window, giving the H×W grid of x), the input
 * channels C, and the output shape.
 */
export function conv2dTransposeGeometry(
  xShape: readonly number[], wShape: readonly number[], biasSize: number | null,
  strides: readonly number[], padding: Padding, outputPadding: readonly number[] | null,
): WindowGeometry & { inChannels: number } {
  const op = "conv2dTranspose";
  checkWindowOptions(op, strides, padding);
  checkImage(op, "an input", xShape);
  if (wShape.length !== 4 || wShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(`${op}: expected a filter of shape [kernelHeight, kernelWidth, filters, inChannels], found ${shapeText(wShape)}`);
  }
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [kh, kw, f, wc] = wShape as [number, number, number, number];
  if (wc !== c) throw new ShapeError(`${op}: input ${shapeText(xShape)} has ${c} channels but filter ${shapeText(wShape)} expects ${wc}`);
  if (biasSize !== null && biasSize !== f) {
    throw new ShapeError(`${op}: filter ${shapeText(wShape)} has ${f} filters but the bias has ${biasSize} values`);
  }
  const [sh, sw] = strides as [number, number];
  if (outputPadding !== null) {
    if (outputPadding.length !== 2 || !outputPadding.every((p, i) => Number.isInteger(p) && p >= 0 && p < strides[i]!)) {
      throw new ShapeError(`${op}: outputPadding must be two integers in [0, stride), found ${shapeText(outputPadding)} with strides ${shapeText(strides)}`);
    }
  }
  const oh = convTransposeOutputLength(h, kh, sh, axisPadding(padding, 0), outputPadding ? outputPadding[0]! : null);
  const ow = convTransposeOutputLength(w, kw, sw, axisPadding(padding, 1), outputPadding ? outputPadding[1]! : null);
  // TensorFlow runs it as the input gradient of conv2d over an OH×OW image,
  // which must give back H×W; the padding is that conv2d's.
  const rows = convOutputLength(oh, kh, sh, axisPadding(padding, 0));
  const cols = convOutputLength(ow, kw, sw, axisPadding(padding, 1));
  if (oh < 1 || ow < 1 || rows.length !== h || cols.length !== w) {
    throw new ShapeError(
      `${op}: output ${oh}×${ow} from input ${shapeText(xShape)} and filter ${shapeText(wShape)} (padding ${paddingText(padding)}, ` +
        `outputPadding ${outputPadding ? shapeText(outputPadding) : "none"}) is not one a ${kh}×${kw} conv2d maps back to ${h}×${w}`,
    );
  }
  return { n, h: oh, w: ow, c: f, kh, kw, sh, sw, padTop: rows.padBefore, padLeft: cols.padBefore, oh: h, ow: w, inChannels: c };
}

/**
 * Keras' Conv2DTranspose: x[N,H,W,C], filter w[KH,KW,F,C] (TensorFlow's
 * layout: out channels, then in channels), bias b[F] or null → y[N,OH,OW,F]
 * with OH from convTransposeOutputLength. With `act`, y = act(conv2dTranspose(x))
 * with activation()'s bits, the activation applied as the kernel writes y.
 */
export function conv2dTranspose(
  tape: Tape | null, x: Tensor, w: Tensor, b: Tensor | null,
  strides: readonly [number, number] = [1, 1], padding: Padding = "valid",
  outputPadding: readonly [number, number] | null = null, act: FusedActivation | null = null,
): Tensor {
  const g = conv2dTransposeGeometry(x.shape, w.shape, b ? b.size : null, strides, padding, outputPadding);
  const { arena } = getEngine();
  const requiresGrad = tape !== null && (x.requiresGrad || w.requiresGrad || (b?.requiresGrad ?? false));
  const y = new Tensor(arena.scratch(g.n * g.h * g.w * g.c * 4), [g.n, g.h, g.w, g.c], requiresGrad);
  const c = g.inChannels;
  const f = g.c;
  if (isPointwise(g)) {
    gemm("nt", y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, g.n * g.oh * g.ow, f, c, 0);
    if (act) activateInPlace(y.ptr, y.size, act);
  } else convAdjoint(y.ptr, x.ptr, g, w.ptr, b ? b.ptr : 0, c, 0, act ? { act } : null); // y = bias, then += col2im(x·wᵀ)
  if (requiresGrad) {
    const z = act ? recordFused(y, act) : null;
    tape!.record(() => conv2dTransposeBackward(tape!, x, w, b, y, z, act, g));
  }
  return y;
}

function conv2dTransposeBackward(
  tape: Tape, x: Tensor, w: Tensor, b: Tensor | null, y: Tensor, z: Tensor | null, act: FusedActivation | null, g: WindowGeometry & { inChannels: number },
): void {
  const dy = z && act ? preActivationGrad(tape, y, z, act) : tape.gradOf(y);
  if (!dy) return;
  const { kernels } = getEngine();
  const c = g.inChannels;
  const f = g.c;
  if (b && b.requiresGrad) {
    const db = tape.gradTarget(b);
    kernels.f32_colsum(db.ptr, dy.ptr, g.n * g.h * g.w, f, db.accumulate);
  }
  const dw = w.requiresGrad ? tape.gradTarget(w) : null;
  const dx = x.requiresGrad ? inputGradTarget(tape, x) : null;
  const pixels = g.oh * g.ow;
  if (isPointwise(g)) {
    const m = g.n * pixels;
    if (dx) {
      gemm("nn", dx.ptr, dy.ptr, w.ptr, 0, m, c, f, dx.accumulate); // dx[M×C] = dy·w
      maskAfterGemm(dx, x.size);
    }
    if (dw) gemm("tn", dw.ptr, dy.ptr, x.ptr, 0, f, c, m, dw.accumulate); // dw[F×C] = dyᵀ·x
    return;
  }
  if (dx) convForward(dx.ptr, dy.ptr, g, w.ptr, 0, c, dx.accumulate, maskEpilogue(dx.mask)); // dx = im2col(dy)·w
  if (dw) convFilterGrad(dw.ptr, dy.ptr, x.ptr, g, c, dw.accumulate); // dw = im2col(dy)ᵀ·x
}
