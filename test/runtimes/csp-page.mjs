// The strict-CSP page's script (csp.html): the slim entry with the core and
// the worker as files from this origin, as the query asks:
//   ?threads=N        init's thread count (default 2)
//   &worker           pass workerUrl: "/dist/worker.js" (else the inline Blob worker)
//   &scenario         also train the cross-runtime scenario and hash it
// The result (or the error), with the policy's violation reports, goes to
// globalThis.cspResult as JSON.
const params = new URLSearchParams(location.search);
// What the policy refused, so the test can tell that it was in force.
const violations = [];
document.addEventListener("securitypolicyviolation", (event) => violations.push(`${event.effectiveDirective} ${event.blockedURI}`));
const report = (value) => {
  globalThis.cspResult = JSON.stringify({ ...value, violations });
};
try {
  const lib = await import("/dist/slim.js");
  await lib.init({
    wasm: "/dist/core.wasm",
    threads: Number(params.get("threads") ?? 2),
    ...(params.has("worker") ? { workerUrl: "/dist/worker.js" } : {}),
  });
  await lib.threadsReady();
  const engine = lib.engineInfo();
  let parts = null;
  if (params.has("scenario")) {
    const { runScenario } = await import("/test/runtimes/scenario.mjs");
    parts = (await runScenario(lib)).parts;
  }
  report({ engine, parts, error: null });
} catch (error) {
  report({ engine: null, parts: null, error: `${error?.name}: ${error?.message}` });
}
