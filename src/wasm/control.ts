// The layout of the thread pool's control block: the words the caller
// (pool.ts) and every worker (worker-source.ts) read and write, and its size,
// which the engine allocates (module.ts) before the pool's own code loads.

/** Word indices and sizes of the control block, shared by the pool and the worker source. */
export const CONTROL = {
  GEN: 0,
  TICKET: 1,
  DONE: 2,
  ERROR: 3,
  STOP: 4,
  FN: 5,
  NARGS: 6,
  WORK_ARG: 7,
  WORK_STRIDE: 8,
  ERROR_LENGTH: 9,
  /** Workers asleep in Atomics.wait (not polling): the pool notifies only when some are, and may run a short call alone. */
  SLEEPING: 10,
  /** First i32 word of the error message (UTF-16 code units, one per word). */
  MESSAGE: 16,
  MESSAGE_WORDS: 240,
  /** First f64 slot (of the f64 view over the block): the task results, then the task arguments. */
  RESULTS: 128,
  MAX_TASKS: 64,
  MAX_ARGS: 16,
  /** The TICKET word: task count in bits 16..23, next task index in bits 0..15. */
  COUNT_SHIFT: 16,
  /**
   * Milliseconds a worker polls for the next dispatch after one ends, before
   * it sleeps: about twice the futex wake-up it saves, so an idle program
   * burns at most this much of a core after its last kernel call.
   */
  SPIN_MS: 0.1,
  /** A gap this long between two checks of the clock while polling means the thread lost its core: it then stops polling. */
  PREEMPTED_MS: 0.02,
} as const;

/** Bytes of the control block (a multiple of 64). */
export const CONTROL_BYTES = (CONTROL.RESULTS + CONTROL.MAX_TASKS + CONTROL.MAX_TASKS * CONTROL.MAX_ARGS) * 8;
