"""Writes the first N images and labels of Fashion-MNIST's IDX files, headers rewritten to N, for a machine
that has no dataset-fashion-mnist package (bench/gpu-device.sh pack): python3 subset.py SRC DST TRAIN TEST."""
import gzip
import struct
import sys

src, dst, train, test = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for split, keep in (("train", train), ("t10k", test)):
    for kind in ("images-idx3", "labels-idx1"):
        name = f"{split}-{kind}-ubyte.gz"
        with gzip.open(f"{src}/{name}", "rb") as f:
            magic, = struct.unpack(">i", f.read(4))
            dims = list(struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF))))
            per = 1
            for d in dims[1:]:
                per *= d
            body = f.read(keep * per)
        dims[0] = keep
        with gzip.open(f"{dst}/{name}", "wb", compresslevel=9) as f:
            f.write(struct.pack(">i", magic) + struct.pack(">" + "i" * len(dims), *dims) + body)
