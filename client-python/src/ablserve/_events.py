"""Typed session events: one frozen dataclass per kind of ``SessionEvent``. Phases and states are lower-case
names ("isolation", "isolated", "unlearning", "training", "finetuning", "retraining"; "queued", "running", "succeeded", "failed",
"cancelled", "interrupted")."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional, Tuple, Union

import numpy as np
import pandas as pd

from ._display import html_table
from ._docs import with_field_docs
from ._proto.v1 import session_pb2 as pb

TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled", "interrupted"})


@with_field_docs
@dataclass(frozen=True)
class StepMetrics:
    """One reported optimiser step (every ``AblConfig.step_report_interval`` steps)."""

    sequence: int
    time: datetime
    phase: str
    epoch: int
    step: int
    """Global optimiser step, from 0 across all epochs."""
    batch_loss: float
    """Mean cross-entropy of the batch, before the isolation transform."""
    objective: float
    """The back-propagated objective (LGA/flooding in isolation, GGA in unlearning)."""
    learning_rate: float
    images_per_second: float


@with_field_docs
@dataclass(frozen=True)
class EpochSummary:
    """Metrics at the end of an epoch; accuracies and rates in [0, 1]."""

    sequence: int
    time: datetime
    phase: str
    epoch: int
    clean_accuracy: float
    attack_success_rate: float
    mean_loss_poisoned: float
    """NaN without poison."""
    mean_loss_clean: float
    isolation_precision: float
    """Of isolating the lowest ``isolation_ratio`` by this epoch's training losses."""
    isolation_recall: float
    train_elapsed_ms: int
    images_per_second: float
    class_accuracy: Tuple[float, ...] = ()
    """Clean test accuracy of each class, indexed by label (NaN: no test image of it); empty from a server
    older than the field."""


@with_field_docs
@dataclass(frozen=True)
class PhaseChange:
    """The session entered ``phase`` at ``epoch``."""

    sequence: int
    time: datetime
    phase: str
    epoch: int


@with_field_docs
@dataclass(frozen=True)
class BackdoorVerdict:
    """The backdoor check at the turning epoch (``AblConfig.isolation_expansion``): each label is split in two
    by its penultimate activations, and a backdoor is confirmed when a label's low-loss cluster stands apart
    from the rest of it, was learned far faster, and its runner-up classes spread over the other classes
    (``evidence``, the product of the three, reaches ``threshold``). Confirmed, ABL
    ascends on ``ascended_count`` samples; otherwise it trains plainly: afresh from the initial weights for
    ``abl.epochs`` epochs ("retraining", the default ``retrain_unconfirmed``) or on from the turn ("training").
    ``str()`` gives a one-line account."""

    confirmed: bool
    label: int
    """The confirmed label (the backdoor's target), or unconfirmed the strongest one; -1 when no label had a
    candidate cluster."""
    evidence: float
    """That label's evidence: its cluster's separation x loss gap x runner-up diversity (NaN when ``label`` is -1)."""
    threshold: float
    margin: float
    """``evidence - threshold``: how far the decision lay from flipping; >= 0 when confirmed."""
    ascended_count: int
    """Samples ascended as the backdoor's (D_b)."""
    suspect_count: int
    """Suspects, set apart from the clean set and not ascended: samples that joined the backdoor's cluster without
    standing clearly apart, and the label's other samples whose loss looks like the cluster's. Per the session's
    ``abl.suspect_treatment`` they train under the model's own confident labels, or not at all."""
    class_evidence: Tuple[float, ...]
    """Each label's evidence, indexed by label; NaN for labels without a candidate cluster."""

    def __str__(self) -> str:
        if self.confirmed:
            return (f"backdoor confirmed at label {self.label}: evidence {self.evidence:.2f} >= threshold"
                    f" {self.threshold:.2f} (margin {self.margin:+.2f}); {self.ascended_count} samples ascended,"
                    f" {self.suspect_count} suspects set apart")
        if self.label < 0:
            return "no backdoor confirmed (no label split into a cluster and a rest)"
        return (f"no backdoor confirmed (evidence {self.evidence:.2f} < threshold {self.threshold:.2f},"
                f" strongest label {self.label})")


@with_field_docs
@dataclass(frozen=True)
class IsolationResult:
    """The isolated set D_b chosen at the turning epoch, lowest loss first, with the ground truth.
    ``sequence`` and ``time`` are the event's; None when fetched by :meth:`Session.isolation`."""

    sequence: Optional[int]
    time: Optional[datetime]
    epoch: int
    indices: np.ndarray
    """Training-set indices (int32) of the isolated samples."""
    losses: np.ndarray
    """Their cross-entropy losses (float32), aligned with ``indices``."""
    poisoned: np.ndarray
    """Whether each isolated sample was poisoned (bool), aligned with ``indices``."""
    precision: float
    recall: float
    train_size: int
    train_poisoned_count: int
    verdict: Optional[BackdoorVerdict] = None
    """The backdoor check on this ranking; None when none ran (``isolation_expansion`` off)."""
    ascended_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32), compare=False)
    """D_b as it was ascended (the ranking's pick, or with the backdoor check the confirmed cluster's clear
    members), training-set indices in increasing order. Filled by :meth:`Session.isolation` only (empty in the
    event, which comes before it), and empty for a session whose server did not record it."""
    suspect_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32), compare=False)
    """The suspects set apart at the turning epoch, in increasing order; as ``ascended_indices``."""
    _session: Any = field(default=None, repr=False, compare=False)

    def show(self, which: str = "isolated", *, max_images: int = 32, columns: int = 8, path: Optional[str] = None,
             timeout: Optional[float] = None):
        """Draws the isolated samples as a labelled grid of PNG thumbnails that the server makes, so it works
        against a remote server: ``which`` is "isolated" (D_b as ascended), "suspects" or "ranked" (the ranking's
        pick); see :meth:`Session.samples`. Returns the matplotlib Figure. Needs a result fetched with
        :meth:`Session.isolation`."""
        if self._session is None:
            raise ValueError("show() needs the session: fetch this result with session.isolation()")
        samples = self._session.samples(which, max_images=max_images, timeout=timeout)
        return samples.show(columns=columns, path=path)

    def _repr_html_(self) -> str:
        rows = [("turning epoch", self.epoch), ("isolated", f"{len(self.indices)} of {self.train_size}"),
                ("poisoned among them", int(self.poisoned.sum())),
                ("poisoned in the training set", self.train_poisoned_count),
                ("precision", self.precision), ("recall", self.recall)]
        if self.verdict is not None:
            rows.append(("backdoor check", str(self.verdict)))
        return html_table("IsolationResult", rows)


@with_field_docs
@dataclass(frozen=True)
class FilterResult:
    """Samples that left D_c: at the turning epoch of a confirmed backdoor, D_b as ascended (``expansion``) and
    the suspects set apart (per ``abl.suspect_treatment``, trained under the model's confident labels or not at
    all); after a GGA epoch, those dropped by suspect filtering (opt-in)."""

    sequence: int
    time: datetime
    epoch: int
    removed_count: int
    precision: float
    recall: float
    kept_size: int
    expansion: bool = False
    """True for D_b as ascended (the backdoor check's confirmed set), False for samples set apart or dropped."""
    indices: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32), compare=False)
    """The samples that left, training-set indices (int32) in increasing order; empty from a server older than
    the field."""


@with_field_docs
@dataclass(frozen=True)
class TriggerProbeResult:
    """The trigger probe at the turn of a confirmed backdoor (``AblConfig.trigger_probe``): a linear classifier on
    pixels, the confirmed set against the other labels' images, scoring every image of the target label by models
    fitted without it. Thresholds and held-out shares are the first round's."""

    trusted: bool
    """Whether it recognised at least 90% of the held-back confirmed set; untrusted, nothing changed."""
    rounds: int
    suspect_threshold: float
    """Score above which an image left training: the 99.5% quantile of the held-back other images' scores."""
    ascend_threshold: float
    """Score above which an image was ascended: their 99.9% quantile."""
    held_out_recall: float
    held_out_false_rate: float
    ascended_count: int
    """Images of the target label outside the confirmed set that joined D_b."""
    suspect_count: int
    """Images of the target label outside the confirmed set that left training."""
    demoted_count: int
    """Confirmed images the probe did not back, moved from D_b to the suspects."""


@with_field_docs
@dataclass(frozen=True)
class BackdoorCheckResult:
    """One run of the backdoor check with every measure it decided on: at the turning epoch, and with
    ``isolate_early`` for each early turn it was asked to confirm. ``labels`` has a row per label with a candidate
    cluster; ``verdict`` is what the check decided (the last check's is the :class:`IsolationResult`'s)."""

    sequence: int
    time: datetime
    epoch: int
    """The turning epoch the check ran for."""
    labels: pd.DataFrame = field(compare=False)
    """Indexed by ``label``: ``cluster_size``, ``label_size``, ``separation`` (pooled standard deviations),
    ``loss_gap_nats``, ``runner_up_diversity``, ``rest_runner_up_diversity`` and ``evidence`` (separation x loss
    gap x runner-up diversity)."""
    verdict: Optional[BackdoorVerdict]
    probe: Optional[TriggerProbeResult] = None
    """The trigger probe's figures at the turn of a confirmed backdoor; None where it did not run (nothing
    confirmed, an early check, ``trigger_probe`` off, or a server older than the probe)."""


@with_field_docs
@dataclass(frozen=True)
class StateChange:
    """The session's new state; ``reason`` holds a failure reason or cancellation note."""

    sequence: int
    time: datetime
    state: str
    reason: str


@with_field_docs
@dataclass(frozen=True)
class FinalResult:
    """The final figures of a succeeded session."""

    clean_accuracy: float
    attack_success_rate: float
    isolation_precision: float
    isolation_recall: float
    epochs: int
    elapsed_ms: int
    sequence: Optional[int] = None
    time: Optional[datetime] = None
    class_accuracy: Tuple[float, ...] = ()
    """The last epoch's clean accuracy of each class, indexed by label: a defence that kills a class shows it."""
    verdict: Optional[BackdoorVerdict] = None
    """Whether a backdoor was confirmed; None when no check ran (defense "none", ``isolation_expansion`` off)."""
    confusion_matrix: Optional[pd.DataFrame] = field(default=None, compare=False)
    """The final model on the clean test set: a DataFrame of counts, true class (rows, index "true class") by
    predicted class (columns, "predicted class"); its rows sum to each class's test images and its diagonal over
    them is ``class_accuracy``. None from a server older than the field. Plot it with
    :meth:`Session.plot_confusion_matrix`."""
    pruned_channels: int = 0
    """Defense "fp": how many channels of the model's last conv stage were pruned; 0 for other defences."""

    def _repr_html_(self) -> str:
        rows = [("clean accuracy", self.clean_accuracy), ("attack success rate", self.attack_success_rate),
                ("isolation precision", self.isolation_precision), ("isolation recall", self.isolation_recall),
                ("epochs", self.epochs), ("elapsed", f"{self.elapsed_ms / 1000:.1f} s")]
        rows += [(f"class {label} accuracy", a) for label, a in enumerate(self.class_accuracy)]
        if self.verdict is not None:
            rows.append(("backdoor check", str(self.verdict)))
        if self.pruned_channels:
            rows.append(("pruned channels", self.pruned_channels))
        return html_table("FinalResult", rows)


Event = Union[StepMetrics, EpochSummary, PhaseChange, IsolationResult, FilterResult, BackdoorCheckResult,
              StateChange, FinalResult]

_LABEL_COLUMNS = ("cluster_size", "label_size", "separation", "loss_gap_nats", "runner_up_diversity",
                  "rest_runner_up_diversity", "evidence")


def phase_name(number: int) -> str:
    return _name(pb.Phase, "PHASE", number)


def state_name(number: int) -> str:
    return _name(pb.SessionState, "SESSION_STATE", number)


def timestamp(ts) -> Optional[datetime]:
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    return datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, tz=timezone.utc)


def backdoor_verdict(m: pb.BackdoorVerdict) -> Optional[BackdoorVerdict]:
    """None when no check ran (also for an unset field, from a server older than the check)."""
    if not m.tested:
        return None
    return BackdoorVerdict(m.confirmed, m.label, m.evidence, m.threshold, m.margin, m.ascended_count,
                           m.suspect_count, tuple(m.class_evidence))


def confusion_frame(m: pb.ConfusionMatrix) -> Optional[pd.DataFrame]:
    """Counts by true class (rows) and predicted class (columns); None for an unset message."""
    n = m.num_classes
    if n == 0:
        return None
    counts = np.asarray(m.counts, dtype=np.int64).reshape(n, n)
    return pd.DataFrame(counts, index=pd.RangeIndex(n, name="true class"),
                        columns=pd.RangeIndex(n, name="predicted class"))


def final_result(m: pb.FinalResult, sequence: Optional[int] = None, time: Optional[datetime] = None) -> FinalResult:
    return FinalResult(m.clean_accuracy, m.attack_success_rate, m.isolation_precision, m.isolation_recall,
                       m.epochs, m.elapsed_ms, sequence, time, tuple(m.class_accuracy), backdoor_verdict(m.verdict),
                       confusion_frame(m.confusion_matrix), m.pruned_channels)


def isolation_result(m: pb.IsolationResult, sequence: Optional[int] = None,
                     time: Optional[datetime] = None) -> IsolationResult:
    return IsolationResult(sequence, time, m.epoch, np.asarray(m.indices, dtype=np.int32),
                           np.asarray(m.losses, dtype=np.float32), np.asarray(m.poisoned, dtype=bool),
                           m.precision, m.recall, m.train_size, m.train_poisoned_count,
                           backdoor_verdict(m.verdict), np.asarray(m.ascended_indices, dtype=np.int32),
                           np.asarray(m.suspect_indices, dtype=np.int32))


def backdoor_check(m: pb.BackdoorCheckResult, sequence: int, time: Optional[datetime]) -> BackdoorCheckResult:
    labels = pd.DataFrame([[getattr(l, c) for c in _LABEL_COLUMNS] for l in m.labels], columns=list(_LABEL_COLUMNS),
                          index=pd.Index([l.label for l in m.labels], name="label", dtype=np.int64))
    probe = None
    if m.HasField("probe"):
        p = m.probe
        probe = TriggerProbeResult(p.trusted, p.rounds, p.suspect_threshold, p.ascend_threshold, p.held_out_recall,
                                   p.held_out_false_rate, p.ascended_count, p.suspect_count, p.demoted_count)
    return BackdoorCheckResult(sequence, time, m.epoch, labels, backdoor_verdict(m.verdict), probe)


def from_proto(e: pb.SessionEvent) -> Optional[Event]:
    """The typed event, or None for a kind added to the API after these stubs were generated."""
    seq, t = e.sequence, timestamp(e.time)
    kind = e.WhichOneof("event")
    if kind == "step":
        m = e.step
        return StepMetrics(seq, t, phase_name(m.phase), m.epoch, m.step, m.batch_loss, m.objective,
                           m.learning_rate, m.images_per_second)
    if kind == "epoch":
        m = e.epoch
        return EpochSummary(seq, t, phase_name(m.phase), m.epoch, m.clean_accuracy, m.attack_success_rate,
                            m.mean_loss_poisoned, m.mean_loss_clean, m.isolation_precision, m.isolation_recall,
                            m.train_elapsed_ms, m.images_per_second, tuple(m.class_accuracy))
    if kind == "phase":
        return PhaseChange(seq, t, phase_name(e.phase.phase), e.phase.epoch)
    if kind == "isolation":
        return isolation_result(e.isolation, seq, t)
    if kind == "filter":
        m = e.filter
        return FilterResult(seq, t, m.epoch, m.removed_count, m.precision, m.recall, m.kept_size, m.expansion,
                            np.asarray(m.indices, dtype=np.int32))
    if kind == "check":
        return backdoor_check(e.check, seq, t)
    if kind == "state":
        return StateChange(seq, t, state_name(e.state.state), e.state.reason)
    if kind == "result":
        return final_result(e.result, seq, t)
    return None


def _name(wrapper, prefix: str, number: int) -> str:
    try:
        return wrapper.Name(number)[len(prefix) + 1:].lower()
    except ValueError:
        return str(number)
