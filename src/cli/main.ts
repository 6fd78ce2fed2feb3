/// <reference types="node" />
// The `autoencoders` program (dist/cli.js, `npx autoencoders ...`): see run.ts.
import { EXIT, run } from "./run.js";

process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  // `autoencoders score ... | head`: the reader left early, which is not a failure.
  if (error.code === "EPIPE") process.exit(EXIT.ok);
  throw error;
});
process.exitCode = await run(
  process.argv.slice(2),
  (text) => process.stdout.write(text),
  (text) => process.stderr.write(text),
);
