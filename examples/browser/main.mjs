// The page: starts the training worker, plots its loss and reconstructions,
// and scores what the user draws. All model work happens in worker.mjs.
const PIXELS = 784;
const SIDE = 28;
const $ = (id) => document.getElementById(id);

const worker = new Worker(new URL(`./worker.mjs${location.search}`, import.meta.url), { type: "module" });
const losses = [];
let threshold = null;
let steps = 0;
let lastScore = null;

/** State the tests read: steps trained, reconstructions shown, last score, errors. */
const state = (globalThis.exampleState = { steps: 0, reconstructions: 0, score: null, error: null, done: false, engine: null });

function status(text) {
  $("status").textContent = text;
}

/** Paints a 28×28 image with values in [0, 1] at (x, y), `zoom` screen pixels per image pixel. */
function paintDigit(ctx, values, x, y, zoom) {
  const image = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
    image.data.set([v, v, v, 255], i * 4);
  }
  const tile = new OffscreenCanvas(SIDE, SIDE);
  tile.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, x, y, SIDE * zoom, SIDE * zoom);
}

function plotLoss() {
  const canvas = $("loss");
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  const pad = 36;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  if (losses.length < 2) return;
  const max = Math.max(...losses);
  const min = Math.min(...losses);
  const span = Math.max(max - min, 1e-6);
  const px = (i) => pad + ((width - pad - 8) * i) / (losses.length - 1);
  const py = (v) => 8 + (height - 28) * (1 - (v - min) / span);
  ctx.strokeStyle = "#ccc";
  ctx.beginPath();
  ctx.moveTo(pad, 8);
  ctx.lineTo(pad, height - 20);
  ctx.lineTo(width - 8, height - 20);
  ctx.stroke();
  ctx.fillStyle = "#666";
  ctx.font = "11px system-ui";
  ctx.fillText(max.toFixed(3), 2, 14);
  ctx.fillText(min.toFixed(3), 2, height - 22);
  ctx.fillText(`step ${losses.length}`, width - 60, height - 6);
  ctx.strokeStyle = "#9ecae1";
  ctx.beginPath();
  losses.forEach((v, i) => (i ? ctx.lineTo(px(i), py(v)) : ctx.moveTo(px(i), py(v))));
  ctx.stroke();
  ctx.strokeStyle = "#08519c";
  ctx.lineWidth = 2;
  ctx.beginPath();
  let ema = losses[0];
  losses.forEach((v, i) => {
    ema = i ? 0.9 * ema + 0.1 * v : v;
    i ? ctx.lineTo(px(i), py(ema)) : ctx.moveTo(px(i), py(ema));
  });
  ctx.stroke();
  ctx.lineWidth = 1;
}

function showReconstructions({ originals, images }) {
  const ctx = $("recon").getContext("2d");
  const zoom = 3;
  const n = images.length / PIXELS;
  for (let k = 0; k < n; k++) {
    paintDigit(ctx, originals.subarray(k * PIXELS, (k + 1) * PIXELS), k * SIDE * zoom, 0, zoom);
    paintDigit(ctx, images.subarray(k * PIXELS, (k + 1) * PIXELS), k * SIDE * zoom, SIDE * zoom, zoom);
  }
  state.reconstructions++;
}

function showScore() {
  if (lastScore === null) return;
  let verdict = "";
  if (threshold) {
    verdict = lastScore > threshold.p99 ? " — unusual (above 99% of held-out digits)"
      : lastScore > threshold.p50 ? " — plausible digit (above the median)" : " — looks like a typical digit";
    verdict += ` [held-out median ${threshold.p50.toFixed(4)}, 99th percentile ${threshold.p99.toFixed(4)}]`;
  }
  $("score").textContent = `anomaly score: ${lastScore.toFixed(4)}${verdict}`;
}

worker.onmessage = ({ data: m }) => {
  if (m.type === "ready") {
    state.engine = m.engine;
    const threads = m.engine.threads === 1 ? `1 thread: ${m.engine.reason}` : `${m.engine.threads} threads`;
    status(`training on ${m.train} digits (${m.holdout} held out), ${threads}…`);
  }
  else if (m.type === "loss") {
    losses.push(m.loss);
    steps = state.steps = m.step;
    status(`epoch ${m.epoch + 1}, step ${m.step}, batch loss ${m.loss.toFixed(4)}`);
    requestPlot();
  } else if (m.type === "reconstructions") showReconstructions(m);
  else if (m.type === "threshold") {
    threshold = m;
    showScore();
  } else if (m.type === "score") {
    paintDigit($("drawn-recon").getContext("2d"), m.image, 0, 0, 6);
    lastScore = state.score = m.score;
    showScore();
  } else if (m.type === "done") {
    state.done = true;
    status(`done after ${steps} steps`);
  } else if (m.type === "error") {
    state.error = m.message;
    status(`error: ${m.message}`);
  }
};
worker.onerror = (event) => {
  state.error = event.message;
  status(`worker error: ${event.message}`);
};

let plotQueued = false;
function requestPlot() {
  if (plotQueued) return;
  plotQueued = true;
  requestAnimationFrame(() => {
    plotQueued = false;
    plotLoss();
  });
}

let paused = false;
$("pause").onclick = () => {
  paused = !paused;
  worker.postMessage({ type: paused ? "pause" : "resume" });
  $("pause").textContent = paused ? "resume" : "pause";
};

// ── drawing ──────────────────────────────────────────────────────────────────
const draw = $("draw");
const pen = draw.getContext("2d", { willReadFrequently: true });
function clearDrawing() {
  pen.fillStyle = "#000";
  pen.fillRect(0, 0, draw.width, draw.height);
  lastScore = null;
  $("score").textContent = "anomaly score: draw something";
  for (const id of ["seen", "drawn-recon"]) $(id).getContext("2d").clearRect(0, 0, 168, 168);
}
clearDrawing();
$("clear").onclick = clearDrawing;

let last = null;
draw.addEventListener("pointerdown", (e) => {
  draw.setPointerCapture(e.pointerId);
  last = [e.offsetX, e.offsetY];
  stroke(e);
});
draw.addEventListener("pointermove", (e) => last && stroke(e));
draw.addEventListener("pointerup", () => {
  last = null;
  requestScore();
});

function stroke(e) {
  pen.strokeStyle = "#fff";
  pen.lineWidth = 22;
  pen.lineCap = pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(last[0], last[1]);
  pen.lineTo(e.offsetX, e.offsetY);
  pen.stroke();
  last = [e.offsetX, e.offsetY];
  requestScore();
}

/**
 * MNIST's preprocessing: fit the ink's bounding box into 20×20 (keeping its
 * aspect), then move its centre of mass to the centre of the 28×28 image.
 */
function toMnist() {
  const { data, width, height } = pen.getImageData(0, 0, draw.width, draw.height);
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4] > 0) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const box = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const scale = 20 / box;
  const small = new OffscreenCanvas(SIDE, SIDE);
  const sctx = small.getContext("2d", { willReadFrequently: true });
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = "high";
  const w = (x1 - x0 + 1) * scale;
  const h = (y1 - y0 + 1) * scale;
  sctx.drawImage(draw, x0, y0, x1 - x0 + 1, y1 - y0 + 1, (SIDE - w) / 2, (SIDE - h) / 2, w, h);
  const pixels = sctx.getImageData(0, 0, SIDE, SIDE).data;
  const image = new Float32Array(PIXELS);
  let mass = 0, cx = 0, cy = 0;
  for (let i = 0; i < PIXELS; i++) {
    const v = pixels[i * 4] / 255;
    image[i] = v;
    mass += v;
    cx += v * (i % SIDE);
    cy += v * Math.floor(i / SIDE);
  }
  const dx = Math.round(13.5 - cx / mass);
  const dy = Math.round(13.5 - cy / mass);
  const centred = new Float32Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE) centred[y * SIDE + x] = image[sy * SIDE + sx];
    }
  }
  return centred;
}

let scoreQueued = false;
let nextId = 1;
function requestScore() {
  if (scoreQueued) return;
  scoreQueued = true;
  requestAnimationFrame(() => {
    scoreQueued = false;
    const image = toMnist();
    if (!image) return;
    paintDigit($("seen").getContext("2d"), image, 0, 0, 6);
    worker.postMessage({ type: "score", id: nextId++, image }, [image.buffer]);
  });
}
