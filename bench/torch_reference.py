"""PyTorch-eager reference for ablserve's training path: the same networks, data, batch size, optimiser,
normalisation and thread count, measured the way bench/src/main/java/io/ablserve/bench/SpeedBench.java
measures the DJL side.

Run with Debian's python3-torch (the system interpreter): /usr/bin/python3 bench/torch_reference.py; bench/speed.sh
does, with the same allocator environment (bin/env.sh) as the JVM. Prints (and with --results appends) one
JSON line per figure: training images/s (first epoch warm-up, excluded), inference images/s and the
per-sample loss ranking pass over the whole training set in seconds (each run twice, the first excluded).
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">i", f.read(4))
        dims = struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def fashion_mnist(folder, limit):
    x = idx(f"{folder}/train-images-idx3-ubyte.gz")[:limit]
    y = idx(f"{folder}/train-labels-idx1-ubyte.gz")[:limit]
    return x.reshape(len(x), 1, 28, 28), y.astype(np.int64)


def cifar_binary(folder, limit):
    """CIFAR-10 binary batches: records of 1 label byte + 3072 CHW pixel bytes (ablserve's Cifar10Reader)."""
    records = np.concatenate(
        [np.fromfile(f"{folder}/data_batch_{i}.bin", dtype=np.uint8).reshape(-1, 3073) for i in range(1, 6)])
    records = records[:limit]
    return records[:, 1:].reshape(-1, 3, 32, 32).copy(), records[:, 0].astype(np.int64)


def small_cnn(classes=10):
    # ablserve's Models.smallCnn: conv(32)-BN-ReLU-pool, conv(64)-BN-ReLU-pool, dense(128)-ReLU, dense.
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 32), *block(32, 64), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
                         nn.Linear(128, classes))


class WrnBlock(nn.Module):
    """ablserve's WideResNet.block: pre-activation, the first BN-ReLU shared with a 1x1 projection."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.same = cin == cout and stride == 1
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = None if self.same else nn.Conv2d(cin, cout, 1, stride, bias=False)

    def forward(self, x):
        y = F.relu(self.bn1(x))
        out = self.conv2(F.relu(self.bn2(self.conv1(y))))
        return out + (x if self.same else self.shortcut(y))


def wrn(depth=16, widen=1, classes=10, channels=3):
    n = (depth - 4) // 6
    layers = [nn.Conv2d(channels, 16, 3, 1, 1, bias=False)]
    cin = 16
    for width, stride in ((16 * widen, 1), (32 * widen, 2), (64 * widen, 2)):
        for i in range(n):
            layers.append(WrnBlock(cin, width, stride if i == 0 else 1))
            cin = width
    layers += [nn.BatchNorm2d(cin), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


class Loader:
    """Gathers a batch's uint8 images, converts and normalises per channel (ablserve's BatchLoader)."""

    def __init__(self, x, y, device):
        self.x, self.y, self.device = x, y, device
        scaled = x.reshape(len(x), x.shape[1], -1).astype(np.float64) / 255
        self.mean = torch.tensor(scaled.mean(axis=(0, 2)), dtype=torch.float32).view(1, -1, 1, 1)
        self.std = torch.tensor(np.maximum(scaled.std(axis=(0, 2)), 1e-3), dtype=torch.float32).view(1, -1, 1, 1)
        self.mean, self.std = self.mean.to(device), self.std.to(device)

    def batch(self, index):
        xb = torch.from_numpy(self.x[index]).to(self.device).float().div_(255).sub_(self.mean).div_(self.std)
        return xb, torch.from_numpy(self.y[index]).to(self.device)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["small_cnn", "wrn_16_1"], default="small_cnn")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--dataset", default=None, help="name in the rows; default from --model")
    p.add_argument("--train-limit", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=2, help="measured epochs, after one warm-up epoch")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--eval-batch", type=int, default=512)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--results", default=None)
    p.add_argument("--profile", default=None,
                   help="after the measured epochs, profile one more and write DIR/pytorch-<model>.json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    if a.model == "small_cnn":
        x, y = fashion_mnist(a.data, a.train_limit)
        model, dataset = small_cnn(), a.dataset or "fashion-mnist"
    else:
        x, y = cifar_binary(a.data, a.train_limit)
        model, dataset = wrn(), a.dataset or "cifar-synthetic"
    dev = torch.device(a.device)
    model = model.to(dev)
    data = Loader(x, y, dev)
    n = len(x)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    rng = np.random.default_rng(a.seed)
    common = {"engine": "pytorch", "engine_version": f"PyTorch {torch.__version__} (eager)",
              "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
              "model": a.model, "dataset": dataset, "device": a.device, "images": n, "batch_size": a.batch_size,
              "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_")}

    def emit(row):
        line = json.dumps({**common, **row})
        print(line, flush=True)
        if a.results:
            with open(a.results, "a") as f:
                f.write(line + "\n")

    def train_epoch():
        model.train()
        order = rng.permutation(n)
        for step, i in enumerate(range(0, n, a.batch_size)):
            xb, yb = data.batch(order[i:i + a.batch_size])
            ce = F.cross_entropy(model(xb), yb, reduction="none")
            loss = ce.mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            # As the DJL loop: the per-sample losses back every step, the objective every 10th (reported) one.
            ce.detach().cpu().numpy()
            if step % 10 == 0:
                loss.item()
        sync()

    rates, cpu = [], 0.0
    for epoch in range(a.epochs + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        train_epoch()
        rates.append(n / (time.perf_counter() - start))
        cpu += (time.process_time() - cpu_start) if epoch > 0 else 0.0
    measured = rates[1:]
    # cpu_value: images per second of process CPU time; with one thread, the work done whatever else runs.
    emit({"bench": "train", "value": n * len(measured) / sum(n / r for r in measured), "unit": "images/s",
          "per_epoch": measured, "warmup_epoch": rates[0], "cpu_value": n * len(measured) / cpu})
    if a.profile:
        # The same profiler DJL's JniUtils.startProfile drives (the legacy autograd profiler), one epoch.
        os.makedirs(a.profile, exist_ok=True)
        with torch.autograd.profiler.profile() as prof:
            train_epoch()
        prof.export_chrome_trace(os.path.join(a.profile, f"pytorch-{a.model}.json"))

    model.eval()
    everything = np.arange(n)

    def inference():
        correct = 0
        with torch.no_grad():
            for i in range(0, n, a.eval_batch):
                xb, yb = data.batch(everything[i:i + a.eval_batch])
                correct += int((model(xb).argmax(1).cpu().numpy() == yb.cpu().numpy()).sum())
        return correct / n

    def ranking():
        out = np.empty(n, dtype=np.float32)
        with torch.no_grad():
            for i in range(0, n, a.eval_batch):
                xb, yb = data.batch(everything[i:i + a.eval_batch])
                out[i:i + len(yb)] = F.cross_entropy(model(xb), yb, reduction="none").cpu().numpy()
        return out

    for name, fn, per_image in (("inference", inference, True), ("ranking", ranking, False)):
        times = []
        for _ in range(2):
            start, cpu_start = time.perf_counter(), time.process_time()
            fn()
            times.append(time.perf_counter() - start)
            cpu = time.process_time() - cpu_start
        value = (lambda t: n / t) if per_image else (lambda t: t)
        emit({"bench": name, "value": value(times[1]), "unit": "images/s" if per_image else "s",
              "eval_batch": a.eval_batch, "warmup_value": value(times[0]), "cpu_value": value(cpu)})


if __name__ == "__main__":
    main()
