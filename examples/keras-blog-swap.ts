// The Keras blog's deep model (examples/keras-blog-models.ts) trained with its
// two random draws taken from either framework: the initial weights (ours:
// Glorot-uniform from our Philox streams; PyTorch's: nn.init.xavier_uniform_
// after torch.manual_seed, as examples/keras-blog-pytorch.ts draws them) and
// the order of each epoch's samples (ours: u32_permutation keyed by (seed,
// STREAM.shuffle, epoch), as fit shuffles; PyTorch's: torch.randperm per
// epoch after the weights, as the peer run draws it), by either trainer. Each
// draw swapped alone tells which of them the difference between the two
// frameworks' curves comes from.
// Run: npx tsx examples/keras-blog-swap.ts --trainer ours|torch --init ours|torch --order ours|torch [--seed S] [--epochs N]
//   --init-seed / --order-seed   a draw's own seed (default --seed)
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Autoencoder, ConfigError, init as initEngine } from "../src/index.js";
import { STREAM } from "../src/ops/streams.js";
import { getEngine } from "../src/wasm/module.js";
import { kerasBlogSetup } from "./keras-blog-models.js";
import { PYTHON } from "./keras-blog-pytorch.js";
import { loadMnist, mnistDataDir } from "./lib/mnist.js";

type Source = "ours" | "torch";
interface Args { trainer: Source; init: Source; order: Source; seed: number; initSeed?: number; orderSeed?: number; epochs: number }

function parseArgs(argv: string[]): Args {
  const out: Args = { trainer: "ours", init: "ours", order: "ours", seed: 1, epochs: 15 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    const key = flag.replace(/^--/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    if (key === "trainer" || key === "init" || key === "order") {
      if (value !== "ours" && value !== "torch") throw new ConfigError(`keras-blog-swap: expected ${flag} ours or torch, found ${JSON.stringify(value ?? null)}`);
      out[key] = value;
    } else if (key === "seed" || key === "initSeed" || key === "orderSeed" || key === "epochs") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (key === "epochs" ? 1 : 0)) throw new ConfigError(`keras-blog-swap: expected ${flag} to be an integer, found ${JSON.stringify(value ?? null)}`);
      out[key] = n;
    } else throw new ConfigError(`keras-blog-swap: unknown option ${JSON.stringify(flag)}; expected --trainer, --init, --order, --seed, --init-seed, --order-seed or --epochs`);
  }
  return out;
}

const SIZES = [784, 128, 64, 32, 64, 128, 784];
const NAMES = ["encoder.0", "encoder.1", "encoder.2", "decoder.0", "decoder.1", "decoder.2"];
const TRAIN = 60_000;

// PyTorch's draws, in the peer run's order: the layers built (their default
// init consumes the generator), xavier_uniform_ on each weight, then one
// randperm per epoch. Kernels are written [in, out] (ours), then the bias.
const TORCH_DRAWS = `
import sys, numpy as np, torch
from torch import nn
seed, epochs, init_path, order_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
sizes = ${JSON.stringify(SIZES)}
torch.manual_seed(seed)
layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
for layer in layers:
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
parts = []
for layer in layers:
    parts += [layer.weight.detach().t().contiguous().numpy().ravel(), layer.bias.detach().numpy().ravel()]
np.concatenate(parts).astype(np.float32).tofile(init_path)
np.stack([torch.randperm(${TRAIN}).numpy() for _ in range(epochs)]).astype(np.uint32).tofile(order_path)
`;

// The peer run's training (examples/keras-blog-pytorch.ts) from given weights and orders.
const TORCH_TRAIN = `
import sys, time, numpy as np, torch
from torch.nn import functional as F
torch.set_num_threads(1)
d, epochs, batch, init_path, order_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def images(name):
    return torch.from_numpy(np.fromfile(d + "/" + name, dtype=np.uint8, offset=16).astype(np.float32).reshape(-1, 784) / 255)
train, test = images("train-images-idx3-ubyte"), images("t10k-images-idx3-ubyte")
sizes = ${JSON.stringify(SIZES)}
flat, at, Ws, bs = torch.from_numpy(np.fromfile(init_path, dtype=np.float32)), 0, [], []
for a, b in zip(sizes, sizes[1:]):
    Ws.append(flat[at:at + a * b].reshape(a, b).clone().requires_grad_()); at += a * b
    bs.append(flat[at:at + b].clone().requires_grad_()); at += b
orders = torch.from_numpy(np.fromfile(order_path, dtype=np.uint32).astype(np.int64).reshape(epochs, -1))
def loss_of(x, alive=None):
    h = x
    for k, (W, b) in enumerate(zip(Ws, bs)):
        h = torch.addmm(b, h, W)
        if k < len(Ws) - 1:
            h = F.relu(h)
            if alive is not None:
                alive[k] |= (h > 0).any(0)
    return F.binary_cross_entropy_with_logits(h, x)
opt = torch.optim.Adam(Ws + bs, lr=1e-3, eps=1e-7)
start = time.perf_counter()
for epoch in range(epochs):
    total = 0.0
    for i in range(0, len(train), batch):
        x = train[orders[epoch][i:i + batch]]
        opt.zero_grad()
        loss = loss_of(x)
        loss.backward()
        opt.step()
        total += loss.item() * len(x)
    alive = [torch.zeros(b.numel(), dtype=torch.bool) for b in bs[:-1]]
    with torch.no_grad():
        val = sum(loss_of(test[i:i + 1000], alive).item() * 1000 for i in range(0, len(test), 1000)) / len(test)
    dead = "/".join(str(int((~a).sum())) for a in alive)
    print(f"{epoch + 1} {total / len(train):.6f} {val:.6f} {time.perf_counter() - start:.2f} {dead}", flush=True)
`;

/** Our initial weights for `seed`, in the layout TORCH_DRAWS writes. */
async function ourInit(seed: number): Promise<Float32Array> {
  const ae = await Autoencoder.create(kerasBlogSetup("deep", seed).config);
  const { arena } = getEngine();
  const byName = new Map(ae.slab.params.map(({ spec, tensor }) => [spec.name, arena.read(tensor.ptr, tensor.size).slice()]));
  ae.dispose();
  return concat(NAMES.flatMap((n) => [byName.get(`${n}.kernel`)!, byName.get(`${n}.bias`)!]));
}

/** Our fit's orders for `seed`, epochs 0..epochs−1 of a fresh model. */
function ourOrders(seed: number, epochs: number): Uint32Array {
  const { arena, kernels } = getEngine();
  const ptr = arena.alloc(TRAIN * 4, "an epoch's order");
  const out = new Uint32Array(TRAIN * epochs);
  for (let e = 0; e < epochs; e++) {
    kernels.u32_permutation(ptr, TRAIN, seed, STREAM.shuffle, e);
    out.set(arena.u32.subarray(ptr >>> 2, (ptr >>> 2) + TRAIN), e * TRAIN);
  }
  arena.free(ptr);
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** Ours from the given weights, each epoch's rows permuted beforehand and fit without shuffling. */
async function trainOurs(init: Float32Array, orders: Uint32Array, epochs: number, report: (line: string) => void): Promise<void> {
  const setup = kerasBlogSetup("deep", 1);
  const { train, test } = await loadMnist();
  const ae = await Autoencoder.create(setup.config);
  const { arena } = getEngine();
  const byName = new Map(ae.slab.params.map(({ spec, tensor }) => [spec.name, tensor]));
  let at = 0;
  for (const n of NAMES) {
    for (const part of ["kernel", "bias"]) {
      const t = byName.get(`${n}.${part}`)!;
      arena.write(t.ptr, init.subarray(at, at + t.size));
      at += t.size;
    }
  }
  const permuted = new Float32Array(train.x.data.length);
  const started = performance.now();
  for (let e = 0; e < epochs; e++) {
    const order = orders.subarray(e * TRAIN, (e + 1) * TRAIN);
    for (let i = 0; i < TRAIN; i++) permuted.set(train.x.data.subarray(order[i]! * 784, (order[i]! + 1) * 784), i * 784);
    // The epoch's mean per sample, as the PyTorch trainer sums loss × rows.
    let loss = NaN;
    const h = await ae.fit({ data: permuted, shape: [TRAIN, 784] }, {
      epochs: 1, batchSize: setup.batchSize, shuffle: false, validationData: test.x,
      onBatchEnd: (_, logs) => void (loss = logs.loss),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const weights = NAMES.map((n) => ({ w: arena.read(byName.get(`${n}.kernel`)!.ptr, byName.get(`${n}.kernel`)!.size), b: arena.read(byName.get(`${n}.bias`)!.ptr, byName.get(`${n}.bias`)!.size) }));
    report(`${e + 1} ${loss.toFixed(6)} ${h.valLoss![0]!.toFixed(6)} ${seconds} ${deadUnits(weights, test.x.data).join("/")}`);
  }
  ae.dispose();
}

/** Per hidden layer, the units whose ReLU output is 0 for every image of x (f64 forward pass). */
function deadUnits(layers: { w: Float32Array; b: Float32Array }[], x: Float32Array): number[] {
  const alive = layers.slice(0, -1).map(({ b }) => new Uint8Array(b.length));
  for (let r = 0; r < x.length / 784; r++) {
    let h: ArrayLike<number> = x.subarray(r * 784, (r + 1) * 784);
    for (let k = 0; k < alive.length; k++) {
      const { w, b } = layers[k]!;
      const out = new Float64Array(b);
      for (let i = 0; i < h.length; i++) {
        const v = h[i]!;
        if (v !== 0) for (let j = 0; j < out.length; j++) out[j] = out[j]! + v * w[i * out.length + j]!;
      }
      for (let j = 0; j < out.length; j++) {
        if (out[j]! > 0) alive[k]![j] = 1;
        else out[j] = 0;
      }
      h = out;
    }
  }
  return alive.map((a) => a.length - a.reduce((n, v) => n + v, 0));
}

function trainTorch(dir: string, epochs: number, report: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", TORCH_TRAIN, mnistDataDir(), String(epochs), "256", join(dir, "init.f32"), join(dir, "order.u32")]);
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf("\n")) >= 0) (report(out.slice(0, nl)), (out = out.slice(nl + 1)));
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => void (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(err.trim().split("\n").at(-1) ?? `exit code ${code}`))));
  });
}

const args = parseArgs(process.argv.slice(2));
const initSeed = args.initSeed ?? args.seed;
const orderSeed = args.orderSeed ?? args.seed;
await initEngine();
const dir = mkdtempSync(join(tmpdir(), "keras-blog-swap-"));
try {
  const torchSeeds = [...new Set([args.init === "torch" ? initSeed : -1, args.order === "torch" ? orderSeed : -1].filter((s) => s >= 0))];
  const torchDraws = new Map<number, { init: Float32Array; order: Uint32Array }>();
  for (const s of torchSeeds) {
    execFileSync(PYTHON, ["-c", TORCH_DRAWS, String(s), String(args.epochs), join(dir, "init.f32"), join(dir, "order.u32")]);
    torchDraws.set(s, { init: new Float32Array(readFileSync(join(dir, "init.f32")).buffer.slice(0)), order: new Uint32Array(readFileSync(join(dir, "order.u32")).buffer.slice(0)) });
  }
  const init = args.init === "torch" ? torchDraws.get(initSeed)!.init : await ourInit(initSeed);
  const order = args.order === "torch" ? torchDraws.get(orderSeed)!.order : ourOrders(orderSeed, args.epochs);
  writeFileSync(join(dir, "init.f32"), init);
  writeFileSync(join(dir, "order.u32"), order);
  console.log(`deep model, trainer ${args.trainer}, initial weights ${args.init} (seed ${initSeed}), order ${args.order} (seed ${orderSeed}), ${args.epochs} epochs`);
  console.log("epoch train-loss test-loss seconds dead-units (hidden layers 128/64/32/64/128, never active on the test digits)");
  const report = (line: string) => console.log(line);
  if (args.trainer === "ours") await trainOurs(init, order, args.epochs, report);
  else await trainTorch(dir, args.epochs, report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
