// The post's fully connected models (simple, sparse, deep) in PyTorch at
// Keras's conventions, as a peer run beside ours: Glorot-uniform kernels and
// zero biases, Adam 1e-3 with ε = 1e-7, BCE from the output layer's logits
// averaged over pixels and images (TF 2 Keras takes a sigmoid's logits for
// binary_crossentropy), the L1 activity penalty 1e-4·Σ|code| per image averaged
// over the batch, shuffled batches, the train loss averaged over the epoch's
// images and the test loss over the 10,000 test digits. Debian's
// python3-torch (/usr/bin/python3) on one thread.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { KerasBlogModel } from "./keras-blog-models.js";
import { mnistDataDir } from "./lib/mnist.js";

export const PYTHON = "/usr/bin/python3";

const SCRIPT = `
import sys, time, numpy as np, torch
from torch import nn
from torch.nn import functional as F
torch.set_num_threads(1)
d, model, epochs, batch, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.manual_seed(seed)
def images(name):
    return torch.from_numpy(np.fromfile(d + "/" + name, dtype=np.uint8, offset=16).astype(np.float32).reshape(-1, 784) / 255)
train, test = images("train-images-idx3-ubyte"), images("t10k-images-idx3-ubyte")
sizes = {"simple": [784, 32, 784], "sparse": [784, 32, 784], "deep": [784, 128, 64, 32, 64, 128, 784]}[model]
code_at = len(sizes) // 2 - 1
l1 = 1e-4 if model == "sparse" else 0.0
layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
for layer in layers:
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
def forward(x):
    code = None
    for i, layer in enumerate(layers):
        x = layer(x)
        if i < len(layers) - 1:
            x = F.relu(x)
        if i == code_at:
            code = x
    return x, code
def loss_of(x):
    logits, code = forward(x)
    rec = F.binary_cross_entropy_with_logits(logits, x)
    return rec + l1 * code.abs().sum() / len(x), rec
opt = torch.optim.Adam(layers.parameters(), lr=1e-3, eps=1e-7)
start = time.perf_counter()
for epoch in range(epochs):
    order = torch.randperm(len(train))
    total = 0.0
    for i in range(0, len(train), batch):
        x = train[order[i:i + batch]]
        opt.zero_grad()
        loss, _ = loss_of(x)
        loss.backward()
        opt.step()
        total += loss.item() * len(x)
    with torch.no_grad():
        val = sum(loss_of(test[i:i + 1000])[0].item() * 1000 for i in range(0, len(test), 1000)) / len(test)
    print(f"{epoch + 1} {total / len(train):.6f} {val:.6f} {time.perf_counter() - start:.2f}", flush=True)
`;

export interface PytorchEpoch {
  epoch: number;
  loss: number;
  valLoss: number;
  seconds: number;
}

/** Trains the post's model in PyTorch, reporting each epoch as it ends; rejects with PyTorch's last error line. */
export function trainPytorchPeer(model: KerasBlogModel, epochs: number, batchSize: number, seed: number, onEpoch: (e: PytorchEpoch) => void): Promise<PytorchEpoch[]> {
  if (model !== "simple" && model !== "sparse" && model !== "deep") return Promise.reject(new Error(`the PyTorch peer covers the fully connected models, not ${model}`));
  if (!existsSync(PYTHON)) return Promise.reject(new Error(`${PYTHON} not found`));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", SCRIPT, mnistDataDir(), model, String(epochs), String(batchSize), String(seed)]);
    const epochsDone: PytorchEpoch[] = [];
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf("\n")) >= 0) {
        const [epoch, loss, valLoss, seconds] = out.slice(0, nl).split(" ").map(Number);
        out = out.slice(nl + 1);
        const e = { epoch: epoch!, loss: loss!, valLoss: valLoss!, seconds: seconds! };
        epochsDone.push(e);
        onEpoch(e);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => void (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0 && epochsDone.length === epochs) resolve(epochsDone);
      else reject(new Error(err.trim().split("\n").at(-1) ?? `exit code ${code}`));
    });
  });
}
