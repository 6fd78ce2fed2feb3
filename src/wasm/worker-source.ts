// The code every pool worker runs, as a string: the default entry then needs
// no worker file that a bundler, a CDN or a service worker could lose. It is
// kept as text (not a function's toString) so no minifier or bundler helper
// can reach into it. The layout of the control block is pool.ts's (CONTROL).
//
// A worker gets { module, memory, control, names, id }, instantiates the core
// on the shared memory (a copy of the core without its data segments, which
// the memory already holds: see workerModuleBytes in module-bytes.ts), answers
// { ready: true } or { error }, then serves tasks until
// the STOP word is set: it watches the GEN word, and takes tasks by
// incrementing the TICKET word, the way the caller's own thread does. After
// a dispatch it polls GEN for SPIN_MS before it sleeps in Atomics.wait: the
// kernel calls of one training step come tens of microseconds apart, and a
// sleeping worker takes about 80 µs to wake (bench/threads.ts, 2 vCPUs),
// longer than many of those calls last. OpenMP's and onnxruntime's pools
// spin for the same reason. A worker that never had a task does not spin.

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

/** The body both the worker and the calling thread run to take and run tasks; `id` picks the participant's work slot. */
export const DRAIN_SOURCE = `
function drain(ctl, f64, fns, id, C) {
  for (;;) {
    const ticket = Atomics.add(ctl, C.TICKET, 1);
    const count = (ticket >>> C.COUNT_SHIFT) & 0xff;
    const task = ticket & 0xffff;
    if (task >= count) return;
    const fn = fns[Atomics.load(ctl, C.FN)];
    const nargs = Atomics.load(ctl, C.NARGS);
    const workArg = Atomics.load(ctl, C.WORK_ARG);
    const base = C.RESULTS + C.MAX_TASKS + task * C.MAX_ARGS;
    const args = new Array(nargs);
    for (let i = 0; i < nargs; i++) args[i] = f64[base + i];
    if (workArg >= 0) args[workArg] += id * Atomics.load(ctl, C.WORK_STRIDE);
    try {
      const result = fn.apply(null, args);
      f64[C.RESULTS + task] = typeof result === "number" ? result : 0;
    } catch (error) {
      if (Atomics.compareExchange(ctl, C.ERROR, 0, task + 1) === 0) {
        const text = String((error && error.message) || error).slice(0, C.MESSAGE_WORDS);
        for (let i = 0; i < text.length; i++) ctl[C.MESSAGE + i] = text.charCodeAt(i);
        Atomics.store(ctl, C.ERROR_LENGTH, text.length);
      }
    }
    if (Atomics.add(ctl, C.DONE, 1) + 1 === count) Atomics.notify(ctl, C.DONE);
  }
}
`;

/**
 * The whole worker program: for Node's worker_threads (`node` true: the port
 * comes from a dynamic import, which works whether the eval'd source runs as
 * a script or, under --input-type=module, as a module) or for a web Worker.
 */
export const workerSource = (node: boolean): string => `"use strict";
const C = ${JSON.stringify(CONTROL)};
${DRAIN_SOURCE}
function start(port, listen, close) {
  listen((message) => {
    const { module, memory, control, names, id } = message;
    let exports;
    try {
      exports = new WebAssembly.Instance(module, { env: { memory, abort(_m, _f, line, column) {
        throw new Error("wasm core: assertion failed at " + line + ":" + column);
      } } }).exports;
    } catch (error) {
      port.postMessage({ error: String((error && error.message) || error) });
      return;
    }
    const fns = names.map((name) => exports[name]);
    const ctl = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
    const f64 = new Float64Array(memory.buffer, control, ${CONTROL_BYTES / 8});
    port.postMessage({ ready: true });
    let seen = 0;
    let spinUntil = 0;
    for (;;) {
      let gen;
      let polls = 0;
      let last = performance.now();
      while ((gen = Atomics.load(ctl, C.GEN)) === seen) {
        if ((++polls & 63) !== 0) continue;
        const now = performance.now();
        // Past the budget, or the thread was off its core between two checks (the core has other work): sleep.
        if (now > spinUntil || now - last > C.PREEMPTED_MS) {
          // Counted before the wait checks GEN: a dispatch that reads SLEEPING as 0 bumped GEN before this add.
          Atomics.add(ctl, C.SLEEPING, 1);
          Atomics.wait(ctl, C.GEN, seen);
          Atomics.sub(ctl, C.SLEEPING, 1);
          spinUntil = 0;
        }
        last = now;
      }
      seen = gen;
      if (Atomics.load(ctl, C.STOP) !== 0) break;
      drain(ctl, f64, fns, id, C);
      spinUntil = performance.now() + C.SPIN_MS;
    }
    close();
  });
}
${node
    ? `import(["node", "worker_threads"].join(":")).then(({ parentPort }) => start(parentPort, (fn) => parentPort.once("message", fn), () => parentPort.close()));`
    : `start(self, (fn) => { self.onmessage = (event) => { self.onmessage = null; fn(event.data); }; }, () => self.close());`}
`;
