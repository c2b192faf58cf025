"""A session's samples as the server sends them (PNG thumbnails with their labels, poisoned flags and losses) and
a labelled grid of them. The images come from the server, so this works against a remote one: the client never
reads the dataset. Decoding and drawing need ``ablserve[notebook]`` (matplotlib, which brings Pillow)."""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence

import numpy as np

from ._docs import with_field_docs
from ._proto.v1 import results_pb2 as rpb

SETS = ("isolated", "suspects", "ranked", "class", "train", "test")
"""What :meth:`Session.samples` can fetch: D_b as ascended, the suspects left out, the ranking's pick, one training
label's samples, training samples by index, test images beside their triggered version."""

MAX_IMAGES_PER_CALL = 256  # the server's bound on one GetSampleImages call


@with_field_docs
@dataclass(frozen=True)
class SampleImage:
    """One sample as the session saw it, with what the server knows of it."""

    index: int
    """Index in the training set (the test set for the "test" set)."""
    label: int
    """The label the session trained with (a dirty-label poison carries the target); for test images, the true class."""
    true_label: int
    """The label in the dataset, before poisoning."""
    poisoned: bool
    """Whether the attack poisoned this training sample; for test images, whether ``png`` is triggered."""
    loss: Optional[float]
    """Its cross-entropy at the turning epoch where the ranking picked it, else None."""
    png: bytes = field(repr=False)
    """The image as trained (triggered when poisoned), a PNG file."""
    clean_png: bytes = field(repr=False, default=b"")
    """The image before the attack touched it (poisoned samples and test images), else empty."""

    def image(self) -> np.ndarray:
        """The image as uint8, height x width (grey) or height x width x 3 (RGB)."""
        return _decode(self.png)

    def clean_image(self) -> Optional[np.ndarray]:
        """The image before the attack, or None when the attack did not touch it."""
        return _decode(self.clean_png) if self.clean_png else None


def _decode(png: bytes) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("decoding images needs Pillow: pip install 'ablserve[notebook]'") from e
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image)


class Samples(Sequence[SampleImage]):
    """Samples of one set of a session, in the server's order; ``total_count`` is the size of the whole set, of
    which these are the first ``len(self)`` from ``offset``. Index it like a list, :meth:`frame` tabulates it,
    :meth:`show` draws a labelled grid."""

    def __init__(self, session_id: str, which: str, images: List[SampleImage], total_count: int, offset: int):
        self.session_id = session_id
        self.which = which
        self.images = images
        self.total_count = total_count
        self.offset = offset

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i]

    def __iter__(self) -> Iterator[SampleImage]:
        return iter(self.images)

    def __repr__(self) -> str:
        return (f"Samples(session={self.session_id[:8]!r}, set={self.which!r}, {len(self)} of {self.total_count},"
                f" {sum(s.poisoned for s in self)} poisoned)")

    def frame(self):
        """One row per sample: index, label, true_label, poisoned, loss (no images)."""
        import pandas as pd

        return pd.DataFrame([(s.index, s.label, s.true_label, s.poisoned, s.loss) for s in self],
                            columns=["index", "label", "true_label", "poisoned", "loss"])

    def show(self, columns: int = 8, clean: Optional[bool] = None, path: Optional[str] = None):
        """Draws the samples in a grid, each titled with its index, label (true label when poisoning changed it)
        and loss; poisoned ones in red. ``clean`` (default: True for test images) puts each sample's clean image
        before it. Returns the matplotlib Figure; ``path`` also saves it."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise ImportError("show() needs matplotlib: pip install 'ablserve[notebook]'") from e
        pairs = self.which == "test" if clean is None else clean
        cells = []
        for s in self:
            if pairs:
                cells.append((s.clean_image() if s.clean_png else s.image(), _title(s, clean=True), "black"))
            cells.append((s.image(), _title(s, clean=False), "tab:red" if s.poisoned else "black"))
        columns = max(1, min(columns, len(cells)))
        rows = max(1, math.ceil(len(cells) / columns))
        fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows + 0.4), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, (image, title, colour) in zip(axes.flat, cells):
            ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
            ax.set_title(title, fontsize=7, color=colour)
        poisoned = sum(s.poisoned for s in self)
        fig.suptitle(f"session {self.session_id[:8]}: {self.which}, {len(self)} of {self.total_count} shown,"
                     f" {poisoned} poisoned", fontsize=9)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
        return fig


def _title(s: SampleImage, clean: bool) -> str:
    if clean:
        return f"#{s.index} clean y={s.true_label}"
    label = f"y={s.label}" if s.label == s.true_label else f"y={s.label} (was {s.true_label})"
    loss = "" if s.loss is None else f"\nloss {s.loss:.3f}"
    return f"#{s.index} {label}{' P' if s.poisoned else ''}{loss}"


def request(session_id: str, which: str, label: Optional[int], indices: Optional[Sequence[int]], offset: int,
            max_images: int) -> rpb.GetSampleImagesRequest:
    if which not in SETS:
        raise ValueError(f"which must be one of {SETS}, got {which!r}")
    if which == "class" and label is None:
        raise ValueError('which="class" needs label=')
    return rpb.GetSampleImagesRequest(
        session_id=session_id, set=rpb.SampleSet.Value(f"SAMPLE_SET_{which.upper()}"), label=label or 0,
        indices=[int(i) for i in (indices if indices is not None else ())], offset=offset, max_images=max_images)


def sample_from_proto(m: rpb.SampleImage) -> SampleImage:
    return SampleImage(m.index, m.label, m.true_label, m.poisoned, m.loss if m.HasField("loss") else None,
                       bytes(m.png), bytes(m.clean_png))
