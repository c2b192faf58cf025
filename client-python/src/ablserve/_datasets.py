from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Union

import numpy as np
from tqdm.auto import tqdm

from ._display import bars_wanted
from ._docs import with_field_docs
from ._events import timestamp
from ._proto.v1 import datasets_pb2 as pb

CHUNK_BYTES = 1 << 20  # gRPC's default message limit is 4 MiB; 1 MiB chunks leave room

PathLike = Union[str, "os.PathLike[str]"]


@with_field_docs
@dataclass(frozen=True)
class Dataset:
    """A dataset the server offers: one it was configured with (``kind`` "configured", ``id`` and ``name`` its
    name) or one a user uploaded (``kind`` "uploaded"); pass ``id`` as ``DatasetConfig(name=...)`` to train on it.
    A configured dataset has no owner, format, size or checksum, and shows its sample counts and image shape (else
    0) only once the server has loaded it for a session."""

    id: str
    name: str
    owner: str
    format: str
    """"npz" or "zip", as uploaded; "" for a configured dataset."""
    layout: str
    """The layout the server found, e.g. "IDX", "CIFAR10", "NUMPY"."""
    size_bytes: int
    sha256: str
    train_samples: int
    test_samples: int
    channels: int
    height_px: int
    width_px: int
    num_classes: int
    created_at: Optional[datetime]
    kind: str = "uploaded"
    """"configured" (on the server's disk, open to every user) or "uploaded" (by its owner)."""


def dataset_from_proto(m: pb.Dataset, kind: str = "uploaded") -> Dataset:
    fmt = "" if m.format == pb.UPLOAD_FORMAT_UNSPECIFIED else pb.UploadFormat.Name(m.format)[len("UPLOAD_FORMAT_"):]
    fmt = fmt.lower()
    return Dataset(m.id, m.name, m.owner, fmt, m.layout, m.size_bytes, m.sha256, m.train_samples, m.test_samples,
                   m.channels, m.height_px, m.width_px, m.num_classes, timestamp(m.created_at), kind)


def pack_arrays(x, y, x_test, y_test) -> BinaryIO:
    """An in-memory .npz of the four arrays, unchanged: the server, not the client, checks dtypes and shapes."""
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.asarray(x), y_train=np.asarray(y), x_test=np.asarray(x_test),
             y_test=np.asarray(y_test))
    buffer.seek(0)
    return buffer


def open_file(path: PathLike) -> "tuple[BinaryIO, int]":
    """The upload of a file or folder: an .npz as is, a .zip as is, a folder zipped (any layout the server
    reads). Returns the open file and its format."""
    path = Path(path)
    if path.is_dir():
        spool = tempfile.TemporaryFile()
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
            for member in sorted(path.rglob("*")):
                if member.is_file():
                    archive.write(member, member.relative_to(path).as_posix())
        spool.seek(0)
        return spool, pb.UPLOAD_FORMAT_ZIP
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".zip"):
        raise ValueError(f"upload an .npz file, a .zip of a dataset folder, or the folder itself; got {path}")
    return open(path, "rb"), pb.UPLOAD_FORMAT_NPZ if suffix == ".npz" else pb.UPLOAD_FORMAT_ZIP


def upload_requests(data: BinaryIO, fmt: int, name: str, progress: bool) -> Iterator[pb.UploadDatasetRequest]:
    data.seek(0, io.SEEK_END)
    total = data.tell()
    digest = hashlib.sha256()
    data.seek(0)
    for block in iter(lambda: data.read(CHUNK_BYTES), b""):
        digest.update(block)
    yield pb.UploadDatasetRequest(metadata=pb.DatasetUploadMetadata(
        name=name, format=fmt, total_bytes=total, sha256=digest.hexdigest()))
    data.seek(0)
    with tqdm(total=total, unit="B", unit_scale=True, desc=f"upload {name}",
              disable=not (progress and bars_wanted())) as bar:
        for block in iter(lambda: data.read(CHUNK_BYTES), b""):
            yield pb.UploadDatasetRequest(chunk=block)
            bar.update(len(block))
