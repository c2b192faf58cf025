"""Loss / clean accuracy / attack success rate plots, the poisoned-vs-clean loss curves (the ABL paper's Figure 1)
and per-class accuracy; matplotlib is imported only here and in _samples (``ablserve[notebook]``)."""
from __future__ import annotations

import io
import threading
import time
from typing import Any, Iterator, List, Optional, Protocol

from ._errors import AblError
from ._events import EpochSummary, Event, FinalResult, PhaseChange, StateChange, StepMetrics


class _Plotted(Protocol):
    """What a plot needs of a session (a :class:`Session`), named here so this module need not import it."""

    id: str
    state: str
    config: Any

    def _events(self, from_sequence: int, follow: bool, timeout: Optional[float]) -> Iterator[Event]: ...

_FRAME_INTERVAL_S = 1.0


def _matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise ImportError("session.plot() needs matplotlib: pip install 'ablserve[notebook]'") from e


class _Series:
    def __init__(self) -> None:
        self.steps: List[int] = []
        self.losses: List[float] = []
        self.epochs: List[int] = []
        self.clean_accuracy: List[float] = []
        self.attack_success_rate: List[float] = []
        self.turning_epoch: Optional[int] = None
        self.state = ""
        self.note = ""

    def add(self, event: Event) -> None:
        if isinstance(event, StepMetrics):
            self.steps.append(event.step)
            self.losses.append(event.batch_loss)
        elif isinstance(event, EpochSummary):
            self.epochs.append(event.epoch)
            self.clean_accuracy.append(event.clean_accuracy)
            self.attack_success_rate.append(event.attack_success_rate)
        elif isinstance(event, PhaseChange) and event.phase == "isolated":
            self.turning_epoch = event.epoch
        elif isinstance(event, StateChange):
            self.state = event.state
        elif isinstance(event, FinalResult):
            self.note = f"CA {event.clean_accuracy:.3f}, ASR {event.attack_success_rate:.3f}"
            if event.verdict is not None:
                v = event.verdict
                self.note += f", backdoor at label {v.label}" if v.confirmed else ", no backdoor confirmed"


def _draw(fig, series: _Series, session_id: str) -> None:
    fig.clear()
    loss_ax, rate_ax = fig.subplots(1, 2)
    loss_ax.plot(series.steps, series.losses, color="tab:blue", linewidth=1)
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("batch cross-entropy")
    loss_ax.set_title("training loss")
    rate_ax.plot(series.epochs, series.clean_accuracy, "o-", color="tab:green", label="clean accuracy")
    rate_ax.plot(series.epochs, series.attack_success_rate, "s-", color="tab:red", label="attack success rate")
    if series.turning_epoch is not None:
        rate_ax.axvline(series.turning_epoch - 0.5, color="grey", linestyle="--", label="isolation")
    rate_ax.set_ylim(-0.02, 1.02)
    rate_ax.set_xlabel("epoch")
    rate_ax.set_title("per epoch")
    rate_ax.legend(loc="best", fontsize="small")
    fig.suptitle(" ".join(p for p in (f"session {session_id[:8]}", series.state, series.note) if p))
    fig.tight_layout()


def static_plot(session: _Plotted, path: Optional[str], timeout: Optional[float]):
    _matplotlib()
    import matplotlib.pyplot as plt

    series = _Series()
    series.state = session.state
    for event in session._events(0, False, timeout):
        series.add(event)
    fig = plt.figure(figsize=(10, 3.8))
    _draw(fig, series, session.id)
    if path is not None:
        fig.savefig(path)
    return fig


class LivePlot:
    """A Jupyter plot that a background thread redraws (at most once a second) as the session's events
    arrive, until the session ends. It displays itself; ``join()`` waits for its final frame."""

    def __init__(self, session: _Plotted, timeout: Optional[float]):
        _matplotlib()
        from IPython.display import Image, display
        from matplotlib.figure import Figure  # no pyplot: drawn off the main thread, never shown by a GUI

        self._image = Image
        self._session = session
        self._series = _Series()
        self._series.state = session.state
        self.figure = Figure(figsize=(10, 3.8))
        self._handle = display(self._render(), display_id=True)
        self.thread = threading.Thread(target=self._follow, args=(timeout,), name=f"ablserve-plot-{session.id[:8]}",
                                       daemon=True)
        self.thread.start()

    def join(self, timeout: Optional[float] = None) -> None:
        self.thread.join(timeout)

    def _render(self):
        _draw(self.figure, self._series, self._session.id)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return self._image(data=buffer.getvalue(), format="png")

    def _follow(self, timeout: Optional[float]) -> None:
        last = 0.0
        try:
            for event in self._session._events(0, True, timeout):
                self._series.add(event)
                if time.monotonic() - last >= _FRAME_INTERVAL_S:
                    self._handle.update(self._render())
                    last = time.monotonic()
        except AblError as e:
            self._series.note = f"stream ended: {e}"
        finally:
            self._handle.update(self._render())

    def _ipython_display_(self) -> None:
        pass  # already displayed, and kept up to date, by the constructor

    def __repr__(self) -> str:
        return f"LivePlot(session={self._session.id!r}, following={self.thread.is_alive()})"


def loss_curves(session: _Plotted, path: Optional[str], timeout: Optional[float]):
    """The mean training loss of the poisoned and of the clean samples per epoch: two lines, the isolation
    epochs shaded. ABL rests on the gap between them: poisons are learned, their loss falls, much faster."""
    _matplotlib()
    import matplotlib.pyplot as plt

    epochs: List[int] = []
    poisoned: List[float] = []
    clean: List[float] = []
    turning = None
    for event in session._events(0, False, timeout):
        if isinstance(event, EpochSummary):
            epochs.append(event.epoch)
            poisoned.append(event.mean_loss_poisoned)
            clean.append(event.mean_loss_clean)
        elif isinstance(event, PhaseChange) and event.phase == "isolated":
            turning = event.epoch
    fig, ax = plt.subplots(figsize=(6, 3.8))
    if turning is not None and turning > 0:
        # A span, not a line: the figure's only lines are the two curves.
        ax.axvspan(-0.5, turning - 0.5, color="grey", alpha=0.15, label="isolation epochs")
    ax.plot(epochs, poisoned, "o-", color="tab:red", label="poisoned samples")
    ax.plot(epochs, clean, "s-", color="tab:blue", label="clean samples")
    ax.set_xlabel("epoch (from 0)")
    ax.set_ylabel("mean training cross-entropy")
    ax.set_title(f"session {session.id[:8]}: training loss, poisoned vs clean")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig


def class_accuracy(session: _Plotted, path: Optional[str], timeout: Optional[float]):
    """The last epoch's clean test accuracy of each class as bars, the attack's target class in red."""
    _matplotlib()
    import matplotlib.pyplot as plt

    accuracy: List[float] = []
    epoch = None
    for event in session._events(0, False, timeout):
        if isinstance(event, EpochSummary) and len(event.class_accuracy):
            accuracy, epoch = list(event.class_accuracy), event.epoch
        elif isinstance(event, FinalResult) and len(event.class_accuracy):
            accuracy = list(event.class_accuracy)
    attack = session.config.attack
    target = None if attack.kind == "none" else attack.target_label
    fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * len(accuracy) + 1.5), 3.8))
    colours = ["tab:red" if c == target else "tab:blue" for c in range(len(accuracy))]
    ax.bar(range(len(accuracy)), accuracy, color=colours)
    ax.set_xticks(range(len(accuracy)))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("class" + ("" if target is None else f" (target {target} in red)"))
    ax.set_ylabel("clean test accuracy")
    ax.set_title(f"session {session.id[:8]}: accuracy per class"
                 + ("" if epoch is None else f" after epoch {epoch}"))
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig


def confusion_matrix(counts, title: str, target: Optional[int], path: Optional[str], normalize: bool):
    """A confusion matrix (a DataFrame of counts, true class by predicted class) as a heat map with each
    cell's count; with ``normalize`` the colours are each row's shares, so small classes read like large ones.
    The attack's ``target`` column is labelled: a backdoor that survives pulls triggered images into it."""
    _matplotlib()
    import matplotlib.pyplot as plt
    import numpy as np

    values = counts.to_numpy()
    n = values.shape[0]
    rows = values.sum(axis=1, keepdims=True)
    shares = np.divide(values, rows, out=np.zeros(values.shape, dtype=float), where=rows > 0)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * n + 2), max(3.5, 0.45 * n + 1.5)))
    image = ax.imshow(shares if normalize else values, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(image, ax=ax, label="share of the true class" if normalize else "test images")
    for t in range(n):
        for p in range(n):
            ax.text(p, t, str(values[t, p]), ha="center", va="center", fontsize="x-small",
                    color="white" if shares[t, p] > 0.5 else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted class" + ("" if target is None else f" (attack target {target})"))
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
