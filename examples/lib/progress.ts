// The progress bar of the examples is the command line's (one implementation).
export { ProgressBar, clock, type ProgressStream } from "../../src/cli/progress.js";
