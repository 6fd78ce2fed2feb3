// Out of memory in the arena: the exact size is tried when 25% headroom is
// not to be had, and what cannot be had is a ResourceError naming it.
import { describe, expect, it } from "vitest";
import { ResourceError } from "../../src/errors.js";
import { Arena } from "../../src/wasm/arena.js";

const PAGE = 65536;

describe("arena out of memory", () => {
  it("grows by the exact size when the 25% headroom exceeds the maximum", () => {
    const memory = new WebAssembly.Memory({ initial: 8, maximum: 9 });
    const arena = new Arena(memory, 0);
    arena.alloc(8 * PAGE);
    const ptr = arena.alloc(PAGE / 2);
    expect(ptr).toBe(8 * PAGE);
    expect(memory.buffer.byteLength).toBe(9 * PAGE);
  });

  it("throws a ResourceError naming what was being allocated", () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
    const error = (() => {
      try {
        arena.alloc(3 * PAGE, "the parameters of a model");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResourceError);
    expect((error as Error).message).toMatch(/out of memory allocating the parameters of a model: expected 196608 more bytes/);
    // Nothing changed: a smaller block still fits.
    expect(arena.alloc(PAGE / 2)).toBe(0);
  });

  it("scratch falls back to a chunk of the exact request, and names scratch when that fails", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 40 });
    const arena = new Arena(memory, 0);
    arena.scratch(20 * PAGE);
    // The doubled chunk (the 20 pages in use) does not fit; 12 pages do.
    expect(() => arena.scratch(12 * PAGE)).not.toThrow();
    expect(() => arena.scratch(30 * PAGE)).toThrow(ResourceError);
    expect(() => arena.scratch(30 * PAGE, "an activation")).toThrow(/allocating an activation/);
  });

  it("refuses a request past the 4 GiB of wasm32 with a ResourceError, without calling grow", () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
    expect(() => arena.alloc(2 ** 33, "a huge tensor")).toThrow(ResourceError);
  });
});
