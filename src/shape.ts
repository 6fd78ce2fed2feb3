// Shapes: the number of values a shape holds, and a shape as text for
// messages. Imports nothing, so every layer may use it (as errors.ts).

/** Values in a tensor of shape `dims`: their product (1 for a scalar's []). */
export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** A shape as messages print it: [28, 28, 1]. */
export const shapeText = (dims: readonly number[]): string => `[${dims.join(", ")}]`;
