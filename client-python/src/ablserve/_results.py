"""What a finished session leaves behind: its trained model and that model's evaluation (ResultsService)."""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Union

import grpc
from google.protobuf import json_format
import pandas as pd
from tqdm.auto import tqdm

from ._config import AttackConfig, DatasetConfig, attack_to_proto, canonical
from ._display import bars_wanted, html_table
from ._docs import with_field_docs
from . import _plot
from ._errors import AblError, translated
from ._events import confusion_frame
from ._proto.v1 import results_pb2 as rpb
from ._proto.v1 import session_pb2 as pb

METADATA_FILE = "metadata.json"


@with_field_docs
@dataclass(frozen=True)
class Evaluation:
    """A session's saved model evaluated on a test set (:meth:`Session.evaluate`)."""

    clean_accuracy: float
    """Accuracy on the clean test set, in [0, 1]."""
    attack_success_rate: float
    """Share of the triggered test images classified as the target, in [0, 1]; NaN without an attack."""
    test_size: int
    triggered_size: int
    """Triggered test images (every test image outside the target class); 0 without an attack."""
    dataset: str
    """The dataset evaluated (the session's own when none was named)."""
    confusion_matrix: Optional[pd.DataFrame] = field(default=None, compare=False)
    """The clean test set's counts, true class (rows) by predicted class (columns); None from a server older
    than the field."""

    def plot_confusion_matrix(self, path: Optional[str] = None, *, normalize: bool = True):
        """The confusion matrix as a heat map (``normalize``: each row as shares of its class); returns the
        matplotlib Figure, ``path`` also saves it."""
        if self.confusion_matrix is None:
            raise ValueError("the server sent no confusion matrix (a server older than the field)")
        return _plot.confusion_matrix(self.confusion_matrix, f"{self.dataset}: confusion matrix", None,
                                      path, normalize)

    def _repr_html_(self) -> str:
        return html_table("Evaluation", [
            ("dataset", self.dataset), ("clean accuracy", self.clean_accuracy),
            ("attack success rate", self.attack_success_rate), ("test images", self.test_size),
            ("triggered images", self.triggered_size)])


def evaluate_request(session_id: str, dataset: Union[None, str, DatasetConfig],
                     attack: Union[None, str, AttackConfig], trained_with: AttackConfig) -> rpb.EvaluateRequest:
    """The request for :meth:`Session.evaluate`. An attack kind alone stands for ``trained_with`` (the session's
    own attack: its target label and trigger) when the kinds match; any other kind would have the server guess
    the target label (0) and measure a meaningless attack success rate, so it is refused."""
    request = rpb.EvaluateRequest(session_id=session_id)
    if isinstance(dataset, str):
        request.dataset.CopyFrom(pb.DatasetSpec(name=dataset))
    elif isinstance(dataset, DatasetConfig):
        # No name: the session's own dataset, cut to test_limit.
        request.dataset.CopyFrom(pb.DatasetSpec(name=dataset.name or "", test_limit=dataset.test_limit))
    elif dataset is not None:
        raise TypeError(f"dataset must be None, a name or a DatasetConfig, got {type(dataset).__name__}")
    if isinstance(attack, str):
        attack = canonical("attack.kind", attack)
        if attack == (trained_with.kind and canonical("attack.kind", trained_with.kind)):
            request.attack.CopyFrom(attack_to_proto(trained_with))
        elif attack != "none":
            raise ValueError(
                f"session {session_id} was trained with attack {trained_with.kind!r}, not {attack!r}: its target"
                f" label and trigger are unknown. Pass an AttackConfig, e.g. evaluate(attack=ablserve.AttackConfig("
                f"{attack!r}, target_label=N)), or attack={trained_with.kind!r} for the session's own attack")
        else:
            request.attack.CopyFrom(pb.AttackSpec(kind=pb.ATTACK_KIND_NONE))
    elif isinstance(attack, AttackConfig):
        request.attack.CopyFrom(attack_to_proto(attack))
    elif attack is not None:
        raise TypeError(f"attack must be None, a kind or an AttackConfig, got {type(attack).__name__}")
    return request


def evaluation_from_proto(m: rpb.EvaluateResponse) -> Evaluation:
    return Evaluation(m.clean_accuracy, m.attack_success_rate, m.test_size, m.triggered_size, m.dataset,
                      confusion_frame(m.confusion_matrix))


EXPORT_FORMATS = {"djl": rpb.MODEL_FORMAT_DJL_PARAMS, "safetensors": rpb.MODEL_FORMAT_SAFETENSORS}


def export_request(session_id: str, format: str) -> rpb.ExportModelRequest:
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(repr(f) for f in EXPORT_FORMATS)}, got {format!r}")
    return rpb.ExportModelRequest(session_id=session_id, format=EXPORT_FORMATS[format])


def _exported_file(metadata: rpb.ModelMetadata, format: str):
    """The announced name, size and SHA-256 of the file an export of ``format`` streams."""
    if format == "safetensors":
        return metadata.safetensors_file, metadata.safetensors_bytes, metadata.safetensors_sha256
    return metadata.params_file, metadata.params_bytes, metadata.params_sha256


def write_export(chunks: Iterator[rpb.ExportModelChunk], directory: Union[str, os.PathLike],
                 progress: bool, address: Optional[str] = None, format: str = "djl") -> Path:
    """Writes an ExportModel stream of ``format`` into ``directory``: the model file (checked against the
    announced size and SHA-256, AblError DATA_LOSS otherwise) and ``metadata.json``. Returns the model file's
    path.

    The folder is created only once the server has announced a model, and removed again, if this call created
    it, when the download fails: a refused or broken export leaves nothing behind."""
    out = Path(directory)
    with translated(address):
        first = next(chunks, None)
    if first is None or first.WhichOneof("part") != "metadata":
        raise AblError(grpc.StatusCode.INTERNAL, "the export did not start with the model's metadata")
    metadata = first.metadata
    name, expected_bytes, expected_sha256 = _exported_file(metadata, format)
    if not name:
        raise AblError(grpc.StatusCode.INTERNAL, f"the server announced no file name for format {format!r}")
    created = _make_folder(out)
    partial = out / (name + ".partial")
    try:
        digest, size = hashlib.sha256(), 0
        with translated(address), open(partial, "wb") as f, tqdm(
                total=expected_bytes, unit="B", unit_scale=True, desc=f"export {metadata.session_id[:8]}",
                disable=not (progress and bars_wanted())) as bar:
            for chunk in chunks:
                f.write(chunk.chunk)
                digest.update(chunk.chunk)
                size += len(chunk.chunk)
                bar.update(len(chunk.chunk))
        if size != expected_bytes or digest.hexdigest() != expected_sha256.lower():
            raise AblError(grpc.StatusCode.DATA_LOSS,
                           f"received {size} bytes with SHA-256 {digest.hexdigest()}, expected"
                           f" {expected_bytes} bytes with {expected_sha256}")
        params = out / name
        os.replace(partial, params)
    except BaseException:
        if partial.exists():
            partial.unlink()
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    (out / METADATA_FILE).write_text(json_format.MessageToJson(metadata) + "\n")
    return params


def _make_folder(path: Path) -> Optional[Path]:
    """Creates ``path`` with its missing parents; returns the outermost folder it created (None if it existed)."""
    outermost = None
    for folder in (path, *path.parents):
        if folder.exists():
            break
        outermost = folder
    path.mkdir(parents=True, exist_ok=True)
    return outermost
