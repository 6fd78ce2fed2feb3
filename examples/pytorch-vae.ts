// PyTorch's examples/vae reproduced: 784-400-(20, 20)-400-784, ReLU, sigmoid
// output, Adam 1e-3, batch 128, loss = summed BCE + KL over the batch, 10
// epochs, on the standard MNIST (60,000 train / 10,000 test). Our model takes
// PyTorch's conventions: its default Linear initialization (torchUniform),
// the loss summed over the batch (reduction "sum") and BCE on the sigmoid's
// probabilities. Prints our test negative ELBO per epoch beside the reference
// curve (PyTorch 1.13 CPU on this data), and, when /usr/bin/python3 has torch,
// trains PyTorch's model on one thread in the same run for the wall time.
// Run: npx tsx examples/pytorch-vae.ts [--seed N] [--epochs N] [--no-pytorch | --pytorch-only] [--from-logits] [--pytorch-clamp] [--fma] [--threads N]
//   --seed N        seeds ours (initialization, shuffling, ε) and PyTorch's
//                   torch.manual_seed (default 1, the reference curve's seed)
//   --epochs N      the first N of the 10 epochs (both frameworks), e.g. 1 to
//                   compare the first epoch over many seeds
//   --no-pytorch    ours only (PYTORCH=0 too); --pytorch-only: PyTorch only
//   --from-logits   ours with BCE from the decoder's logits instead of on its
//                   probabilities clamped to [1e-7, 1 − 1e-7]
//   --pytorch-clamp PyTorch's probabilities clamped to [1e-7, 1 − 1e-7] before
//                   its BCE, as ours on probabilities (the clamp's gradient
//                   is 0 outside), to show what that convention changes
//   --fma           ours with init({ numerics: "fma" }) (fused multiply-add)
//   --threads N     ours on N threads (default "auto": every core)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ConfigError, init, layers, threadsReady, VAE } from "../src/index.js";
import { loadMnist, mnistDataDir } from "./lib/mnist.js";

interface Args { seed: number; epochs: number; ours: boolean; pytorch: boolean; fromLogits: boolean; clamp: boolean; fma: boolean; threads: number | "auto" }

function parseArgs(argv: string[]): Args {
  const out: Args = { seed: 1, epochs: EPOCHS, ours: true, pytorch: process.env.PYTORCH !== "0", fromLogits: false, clamp: false, fma: false, threads: "auto" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--no-pytorch") out.pytorch = false;
    else if (arg === "--pytorch-only") out.ours = false;
    else if (arg === "--from-logits") out.fromLogits = true;
    else if (arg === "--pytorch-clamp") out.clamp = true;
    else if (arg === "--fma") out.fma = true;
    else if (arg === "--seed" && /^\d+$/.test(argv[i + 1] ?? "")) out.seed = Number(argv[++i]);
    else if (arg === "--epochs" && /^\d+$/.test(argv[i + 1] ?? "") && Number(argv[i + 1]) >= 1 && Number(argv[i + 1]) <= EPOCHS) out.epochs = Number(argv[++i]);
    else if (arg === "--threads" && /^\d+$/.test(argv[i + 1] ?? "")) out.threads = Number(argv[++i]);
    else throw new ConfigError(`pytorch-vae: expected --seed N, --epochs N (1 to 10), --threads N, --fma, --no-pytorch, --pytorch-only, --from-logits or --pytorch-clamp, found ${JSON.stringify(arg)}`);
  }
  return out;
}

const EPOCHS = 10;
/** Test negative ELBO per epoch of PyTorch's examples/vae, PyTorch 1.13 CPU, standard MNIST. */
const REFERENCE = [126.9, 115.41, 111.39, 109.63, 108.05, 107.17, 106.48, 105.92, 105.64, 105.25];
/** The target: every epoch within this many nats of the reference. */
const TOLERANCE = 0.5;
const PYTHON = "/usr/bin/python3";

// The same model, data, batches of 128 and Adam in PyTorch, on one thread.
const PYTORCH_SCRIPT = `
import sys, time, numpy as np, torch
from torch import nn
from torch.nn import functional as F
torch.set_num_threads(1)
torch.manual_seed(int(sys.argv[2]))
d = sys.argv[1]
def images(name):
    return torch.from_numpy(np.fromfile(d + "/" + name, dtype=np.uint8, offset=16).astype(np.float32).reshape(-1, 784) / 255)
train, test = images("train-images-idx3-ubyte"), images("t10k-images-idx3-ubyte")
class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22, self.fc3, self.fc4 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20), nn.Linear(20, 400), nn.Linear(400, 784)
    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar
clamp = sys.argv[3] == "clamp"
def loss_function(recon, x, mu, logvar):
    if clamp:
        recon = recon.clamp(1e-7, 1 - 1e-7)
    return F.binary_cross_entropy(recon, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
start = time.perf_counter()
for epoch in range(int(sys.argv[4])):
    model.train()
    order = torch.randperm(len(train))
    for i in range(0, len(train), 128):
        x = train[order[i:i + 128]]
        opt.zero_grad()
        recon, mu, logvar = model(x)
        loss = loss_function(recon, x, mu, logvar)
        loss.backward()
        opt.step()
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(test), 128):
            x = test[i:i + 128]
            recon, mu, logvar = model(x)
            total += loss_function(recon, x, mu, logvar).item()
    print(f"{epoch + 1} {total / len(test):.4f} {time.perf_counter() - start:.2f}", flush=True)
`;

const args = parseArgs(process.argv.slice(2));
await init({ threads: args.threads, numerics: args.fma ? "fma" : "exact" });
const { train, test } = await loadMnist();
console.log(`Standard MNIST: ${train.x.shape[0]} train / ${test.x.shape[0]} test images; PyTorch's examples/vae settings, ${args.epochs} epochs, seed ${args.seed}\n`);

/** Our model at PyTorch's conventions; test −ELBO and cumulative seconds per epoch. */
async function trainOurs(seed: number): Promise<{ loss: number[]; seconds: number[] }> {
  const torchInit = { kernelInitializer: "torchUniform", biasInitializer: "torchUniform" } as const;
  const vae = await VAE.create({
    input: [784],
    encoder: [layers.dense(400, { activation: "relu", ...torchInit })],
    latent: 20,
    decoder: [layers.dense(400, { activation: "relu", ...torchInit }), layers.dense(784, { activation: "sigmoid", ...torchInit })],
    heads: torchInit,
    loss: "bce",
    reduction: "sum",
    fromLogits: args.fromLogits,
    optimizer: { name: "adam", learningRate: 1e-3 },
    seed,
  });
  const loss: number[] = [];
  const seconds: number[] = [];
  const started = performance.now();
  const engine = await threadsReady();
  process.stderr.write(`ours: ${engine.threads} thread(s), numerics ${args.fma ? "fma" : "exact"}\n`);
  await vae.fit(train.x, {
    epochs: args.epochs,
    batchSize: 128,
    validationData: test.x,
    onEpochEnd: (epoch, logs) => {
      loss.push(logs.valLoss!);
      seconds.push((performance.now() - started) / 1000);
      process.stderr.write(`epoch ${epoch + 1}: test −ELBO ${logs.valLoss!.toFixed(2)} (${seconds.at(-1)!.toFixed(1)} s)\n`);
    },
  });
  vae.dispose();
  return { loss, seconds };
}

/** PyTorch's model on one thread, or null (with the reason printed) when it cannot run. */
function trainPytorch(seed: number): { loss: number[]; seconds: number } | null {
  if (!existsSync(PYTHON)) return null;
  const run = spawnSync(PYTHON, ["-c", PYTORCH_SCRIPT, mnistDataDir(), String(seed), args.clamp ? "clamp" : "log-100", String(args.epochs)], { encoding: "utf8", maxBuffer: 1 << 20 });
  const lines = run.status === 0 ? run.stdout.trim().split("\n").map((l) => l.split(" ").map(Number)) : [];
  if (lines.length === args.epochs) return { loss: lines.map((l) => l[1]!), seconds: lines.at(-1)![2]! };
  console.log(`PyTorch did not run (${(run.stderr || String(run.error)).trim().split("\n").at(-1)})\n`);
  return null;
}

const ours = args.ours ? await trainOurs(args.seed) : null;
const torch = args.pytorch ? trainPytorch(args.seed) : null;

const signed = (d: number) => `${d >= 0 ? "+" : ""}${d.toFixed(2)}`;
const head = ["epoch", "reference (PyTorch 1.13, seed 1)"];
if (ours) head.push(`ours${args.fromLogits ? " (BCE from logits)" : ""}`, "ours − reference", `within ${TOLERANCE} nats`);
if (torch) head.push(`PyTorch, this run (seed ${args.seed}${args.clamp ? ", probabilities clamped" : ""})`, "PyTorch − reference");
console.log(`| ${head.join(" | ")} |`);
console.log(`|${" --- |".repeat(head.length)}`);
REFERENCE.slice(0, args.epochs).forEach((r, e) => {
  const row = [String(e + 1), r.toFixed(2)];
  if (ours) row.push(ours.loss[e]!.toFixed(2), signed(ours.loss[e]! - r), Math.abs(ours.loss[e]! - r) <= TOLERANCE ? "yes" : "no");
  if (torch) row.push(torch.loss[e]!.toFixed(2), signed(torch.loss[e]! - r));
  console.log(`| ${row.join(" | ")} |`);
});
if (ours) {
  const all = ours.loss.every((v, e) => Math.abs(v - REFERENCE[e]!) <= TOLERANCE);
  console.log(`\nEvery epoch within ${TOLERANCE} nats of the reference: ${all ? "yes" : "no"}`);
}
const times = [ours ? `ours ${ours.seconds.at(-1)!.toFixed(1)} s` : "", torch ? `PyTorch on one thread ${torch.seconds.toFixed(1)} s` : ""].filter(Boolean);
console.log(`Wall time for ${args.epochs} epochs (training and the per-epoch test pass): ${times.join(", ")}`);
