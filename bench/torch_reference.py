"""PyTorch-eager reference for the DJL training loop: the same small CNN, data, batch size and optimiser.

Run with Debian's python3-torch (the system interpreter): /usr/bin/python3 bench/torch_reference.py.
Prints one JSON line: training and inference images/s over Fashion-MNIST (gzipped IDX from the Debian
package dataset-fashion-mnist).
"""
import argparse
import gzip
import json
import struct
import time

import numpy as np
import torch
from torch import nn


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">i", f.read(4))
        dims = struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def small_cnn(classes=10):
    # ablserve's Models.smallCnn: conv(32)-BN-ReLU-pool, conv(64)-BN-ReLU-pool, dense(128)-ReLU, dense.
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 32), *block(32, 64), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
                         nn.Linear(128, classes))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--train-limit", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    x = idx(f"{a.data}/train-images-idx3-ubyte.gz")[: a.train_limit]
    y = idx(f"{a.data}/train-labels-idx1-ubyte.gz")[: a.train_limit]
    mean, std = x.mean() / 255, x.std() / 255
    model = small_cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    rng = np.random.default_rng(1)
    train_rates = []
    for _ in range(a.epochs):
        model.train()
        order = rng.permutation(len(x))
        start = time.perf_counter()
        for i in range(0, len(order), a.batch_size):
            b = order[i:i + a.batch_size]
            xb = (torch.from_numpy(x[b]).float().div_(255).sub_(mean).div_(std)).unsqueeze(1)
            yb = torch.from_numpy(y[b].astype(np.int64))
            loss = nn.functional.cross_entropy(model(xb), yb, reduction="none")
            opt.zero_grad(set_to_none=True)
            loss.mean().backward()
            opt.step()
            loss.detach().numpy()  # the DJL loop reads per-sample losses back every step too
        train_rates.append(len(x) / (time.perf_counter() - start))
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(x), 512):
            xb = (torch.from_numpy(x[i:i + 512]).float().div_(255).sub_(mean).div_(std)).unsqueeze(1)
            model(xb).argmax(1).numpy()
    infer = len(x) / (time.perf_counter() - start)
    print(json.dumps({"engine": f"pytorch {torch.__version__}", "threads": a.threads,
                      "train_images_per_second": train_rates, "inference_images_per_second": infer}))


if __name__ == "__main__":
    main()
