// Synchronous fork-join over a pool of workers that share the one wasm memory.
//
// A dispatch is a list of tasks, each one call of the same kernel export with
// its own arguments. The caller writes them into the control block (in the
// shared memory, from the arena), bumps the GEN word and wakes the workers;
// then every participant (the caller as participant 0, worker w as w) takes
// tasks by incrementing the TICKET word until none is left. Who runs a task
// never changes what it computes (the kernels' ranges give the same bits on
// any partition), so a worker that wakes late or not at all only costs time:
// the caller takes its tasks. The caller then waits for the DONE word to
// reach the task count: it polls for up to CALLER_SPIN_MS (the workers'
// shares end about when its own does, and a thread woken from Atomics.wait
// takes tens of microseconds to run again), then waits in Atomics.wait
// slices where the thread may block, or goes on polling where it may not (a
// browser's main thread). Workers poll for the next dispatch for
// CONTROL.SPIN_MS after one ends, then sleep (worker-source.ts).
//
// The TICKET word packs the task count with the next index, so a worker that
// takes a ticket long after its dispatch ended sees an index past that
// count (or a valid task of the dispatch now running), never a stale count.
import { WorkerError } from "../errors.js";
import { CONTROL as C, CONTROL_BYTES } from "./control.js";

/** One kernel call of a dispatch: its arguments, in the export's order. */
export type TaskArgs = readonly number[];

export interface PoolWorker {
  terminate(): void;
}

/**
 * No task finished for this long: the worker running one is taken as dead
 * (a task is a slice of one kernel call, milliseconds to seconds of work).
 */
const DEFAULT_STALL_MS = 60_000;
/** Atomics.wait slice between checks of the stall clock. */
const WAIT_SLICE_MS = 50;
/** How long the caller polls the DONE word before it blocks: a few times the usual spread of the shares' ends. */
const CALLER_SPIN_MS = 0.2;
/** Least time between two wake-ups of sleeping workers for short calls that run on the caller alone. */
const SHORT_WAKE_MS = 1;

export class Pool {
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly fnIndex = new Map<string, number>();
  private readonly fns: ((...args: number[]) => unknown)[];
  private busy = false;
  private lastWake = -Infinity;
  /** Set when a worker stopped answering: later dispatches run on the caller alone. */
  broken: string | null = null;
  stallMs = DEFAULT_STALL_MS;
  /** Whether the calling thread takes tasks too; tests turn it off to give every task to the workers. */
  callerTakesPart = true;

  constructor(
    memory: WebAssembly.Memory,
    readonly control: number,
    names: readonly string[],
    exports: Record<string, unknown>,
    private readonly workers: PoolWorker[],
    private readonly canBlock: boolean,
  ) {
    this.ctl = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
    this.f64 = new Float64Array(memory.buffer, control, CONTROL_BYTES / 8);
    this.fns = names.map((name, i) => {
      this.fnIndex.set(name, i);
      return exports[name] as (...args: number[]) => unknown;
    });
  }

  /** Threads that take part in a dispatch, the caller's included. */
  get threads(): number {
    return this.broken === null ? this.workers.length + 1 : 1;
  }

  /**
   * Runs every task, on whichever threads take them, and returns their
   * results in task order. `workArg` names the argument that points at
   * per-thread work; participant p adds p·workStride bytes to it, so the
   * caller allocates threads·workStride bytes there. A `short` call (tens of
   * microseconds in all) runs on the caller alone while every worker
   * sleeps, since a sleeping worker takes longer than that to wake (~80 µs
   * on an idle vCPU), and wakes them for the calls that follow.
   */
  run(name: string, tasks: readonly TaskArgs[], workArg = -1, workStride = 0, short = false): number[] {
    const fn = this.fnIndex.get(name);
    if (fn === undefined) throw new WorkerError(`thread pool: expected a kernel it can dispatch, found ${name}`);
    if (tasks.length > C.MAX_TASKS) throw new WorkerError(`thread pool: expected at most ${C.MAX_TASKS} tasks, found ${tasks.length}`);
    if (this.broken !== null || this.busy || tasks.length <= 1) return this.runHere(fn, tasks);
    if (short && Atomics.load(this.ctl, C.SLEEPING) >= this.workers.length) {
      // A short call (`short`: over before a sleeping worker would wake) runs here; the workers wake for the
      // next, at most once a SHORT_WAKE_MS (a loaded machine keeps putting them back to sleep).
      const now = performance.now();
      if (now - this.lastWake > SHORT_WAKE_MS) {
        this.lastWake = now;
        this.wake(0);
      }
      return this.runHere(fn, tasks);
    }
    this.busy = true;
    try {
      return this.dispatch(fn, tasks, workArg, workStride);
    } finally {
      this.busy = false;
    }
  }

  private runHere(fn: number, tasks: readonly TaskArgs[]): number[] {
    const kernel = this.fns[fn]!;
    return tasks.map((args) => {
      const result = kernel(...args);
      return typeof result === "number" ? result : 0;
    });
  }

  private dispatch(fn: number, tasks: readonly TaskArgs[], workArg: number, workStride: number): number[] {
    const { ctl, f64 } = this;
    const nargs = tasks[0]!.length;
    for (let t = 0; t < tasks.length; t++) {
      const args = tasks[t]!;
      if (args.length !== nargs || nargs > C.MAX_ARGS) {
        throw new WorkerError(`thread pool: expected ${nargs} (at most ${C.MAX_ARGS}) arguments in every task, found ${args.length} in task ${t}`);
      }
      f64.set(args, C.RESULTS + C.MAX_TASKS + t * C.MAX_ARGS);
    }
    Atomics.store(ctl, C.FN, fn);
    Atomics.store(ctl, C.NARGS, nargs);
    Atomics.store(ctl, C.WORK_ARG, workArg);
    Atomics.store(ctl, C.WORK_STRIDE, workStride);
    Atomics.store(ctl, C.ERROR, 0);
    Atomics.store(ctl, C.DONE, 0);
    // The caller takes task 0 before the workers can (its ticket is taken in the publish), so that with
    // one task a thread the same thread computes the same part of every call: the part of the output,
    // and of the operands, that stays in its own core's cache from one call to the next.
    const own = this.callerTakesPart;
    this.wake(tasks.length, own ? 1 : 0);
    if (own) {
      this.runTask(0);
      this.drain(tasks.length);
    }
    this.await(tasks.length);
    const failed = Atomics.load(ctl, C.ERROR);
    if (failed !== 0) {
      const length = Atomics.load(ctl, C.ERROR_LENGTH);
      const message = String.fromCharCode(...ctl.subarray(C.MESSAGE, C.MESSAGE + length));
      throw new WorkerError(`${this.nameOf(fn)} failed on a thread (task ${failed - 1} of ${tasks.length}): ${message}`);
    }
    return Array.from(f64.subarray(C.RESULTS, C.RESULTS + tasks.length));
  }

  /** Publishes a dispatch of `count` tasks (0: none, only a wake-up), the first `taken` of them already the caller's, and wakes the workers that sleep. */
  private wake(count: number, taken = 0): void {
    const { ctl } = this;
    Atomics.store(ctl, C.TICKET, (count << C.COUNT_SHIFT) + taken);
    Atomics.add(ctl, C.GEN, 1);
    // A worker counts itself in SLEEPING before its wait checks GEN, so one that reads 0 here needs no notify.
    if (Atomics.load(ctl, C.SLEEPING) > 0) Atomics.notify(ctl, C.GEN);
  }

  /** The caller's share: the same loop as the workers' (worker-source.ts), as participant 0. */
  private drain(count: number): void {
    for (;;) {
      const task = Atomics.add(this.ctl, C.TICKET, 1) & 0xffff;
      if (task >= count) return;
      this.runTask(task);
    }
  }

  /** Runs task `task` of the published dispatch on the caller's thread and counts it done. */
  private runTask(task: number): void {
    const { ctl, f64 } = this;
    const kernel = this.fns[Atomics.load(ctl, C.FN)]!;
    const nargs = Atomics.load(ctl, C.NARGS);
    const base = C.RESULTS + C.MAX_TASKS + task * C.MAX_ARGS;
    const args = Array.from(f64.subarray(base, base + nargs));
    try {
      const result = kernel(...args);
      f64[C.RESULTS + task] = typeof result === "number" ? result : 0;
    } catch (error) {
      // Recorded like a worker's failure, so the other tasks still finish before the throw.
      if (Atomics.compareExchange(ctl, C.ERROR, 0, task + 1) === 0) {
        const text = String((error as Error)?.message ?? error).slice(0, C.MESSAGE_WORDS);
        for (let i = 0; i < text.length; i++) ctl[C.MESSAGE + i] = text.charCodeAt(i);
        Atomics.store(ctl, C.ERROR_LENGTH, text.length);
      }
    }
    Atomics.add(ctl, C.DONE, 1);
  }

  private await(count: number): void {
    const { ctl } = this;
    let lastCheck = performance.now();
    const spinUntil = lastCheck + CALLER_SPIN_MS;
    let polls = 0;
    while (Atomics.load(ctl, C.DONE) < count) {
      if ((++polls & 63) !== 0) continue;
      const now = performance.now();
      if (now > spinUntil || now - lastCheck > C.PREEMPTED_MS) break;
      lastCheck = now;
    }
    let last = Atomics.load(ctl, C.DONE);
    let since = Date.now();
    while (last < count) {
      if (this.canBlock) Atomics.wait(ctl, C.DONE, last, WAIT_SLICE_MS);
      const done = Atomics.load(ctl, C.DONE);
      const now = Date.now();
      if (done !== last) {
        last = done;
        since = now;
      } else if (now - since > this.stallMs) {
        this.fail(`no task finished in ${this.stallMs} ms`);
        throw new WorkerError(`thread pool: expected ${count} tasks to finish, found ${done} after ${this.stallMs} ms without progress: a worker thread died or hangs; the engine now runs on one thread`);
      }
    }
  }

  /** Stops every worker for good; the engine goes on with the caller's thread alone. */
  fail(reason: string): void {
    if (this.broken === null) this.broken = reason;
    this.stop();
  }

  /** Asks the workers to leave their loop and ends them. */
  stop(): void {
    Atomics.store(this.ctl, C.STOP, 1);
    Atomics.add(this.ctl, C.GEN, 1);
    Atomics.notify(this.ctl, C.GEN);
    for (const worker of this.workers) worker.terminate();
    this.workers.length = 0;
  }

  private nameOf(fn: number): string {
    for (const [name, i] of this.fnIndex) if (i === fn) return name;
    return "a kernel";
  }
}
