// Shapes: the number of values a shape holds, and a shape as text for
// messages. Imports nothing, so every layer may use it (as errors.ts).

/** Values in a tensor of shape `dims`: their product (1 for a scalar's []). */
export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

// A file's header may declare thousands of dimensions; a message spells out
// the first few and then only their count.
const DIMS_SHOWN = 8;
const dimsText = (dims: readonly (number | string)[]): string =>
  dims.length <= DIMS_SHOWN ? dims.join(", ") : `${dims.slice(0, DIMS_SHOWN).join(", ")}, … ${dims.length} dimensions`;

/** A shape as messages print it: [28, 28, 1]; a name may stand for a dimension: [N, 784]. */
export const shapeText = (dims: readonly (number | string)[]): string => `[${dimsText(dims)}]`;

/** A .npy header's shape in NumPy's tuple notation, for messages about that header: (28, 28). */
export const shapeTuple = (dims: readonly number[]): string => `(${dimsText(dims)})`;
