"""Typed session events: one frozen dataclass per kind of ``SessionEvent``. Phases and states are lower-case
names ("isolation", "isolated", "unlearning", "training"; "queued", "running", "succeeded", "failed",
"cancelled", "interrupted")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional, Union

import numpy as np

from ._proto.v1 import session_pb2 as pb

TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled", "interrupted"})


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


@dataclass(frozen=True)
class PhaseChange:
    """The session entered ``phase`` at ``epoch``."""

    sequence: int
    time: datetime
    phase: str
    epoch: int


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


@dataclass(frozen=True)
class FilterResult:
    """Samples that left D_c: dropped by suspect filtering, or moved into D_b by isolation expansion."""

    sequence: int
    time: datetime
    epoch: int
    removed_count: int
    precision: float
    recall: float
    kept_size: int
    expansion: bool = False
    """True for isolation expansion (moved into D_b at the turning epoch), False for suspect filtering."""


@dataclass(frozen=True)
class StateChange:
    """The session's new state; ``reason`` holds a failure reason or cancellation note."""

    sequence: int
    time: datetime
    state: str
    reason: str


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


Event = Union[StepMetrics, EpochSummary, PhaseChange, IsolationResult, FilterResult, StateChange, FinalResult]


def phase_name(number: int) -> str:
    return _name(pb.Phase, "PHASE", number)


def state_name(number: int) -> str:
    return _name(pb.SessionState, "SESSION_STATE", number)


def timestamp(ts) -> Optional[datetime]:
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    return datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, tz=timezone.utc)


def final_result(m: pb.FinalResult, sequence: Optional[int] = None, time: Optional[datetime] = None) -> FinalResult:
    return FinalResult(m.clean_accuracy, m.attack_success_rate, m.isolation_precision, m.isolation_recall,
                       m.epochs, m.elapsed_ms, sequence, time)


def isolation_result(m: pb.IsolationResult, sequence: Optional[int] = None,
                     time: Optional[datetime] = None) -> IsolationResult:
    return IsolationResult(sequence, time, m.epoch, np.asarray(m.indices, dtype=np.int32),
                           np.asarray(m.losses, dtype=np.float32), np.asarray(m.poisoned, dtype=bool),
                           m.precision, m.recall, m.train_size, m.train_poisoned_count)


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
                            m.train_elapsed_ms, m.images_per_second)
    if kind == "phase":
        return PhaseChange(seq, t, phase_name(e.phase.phase), e.phase.epoch)
    if kind == "isolation":
        return isolation_result(e.isolation, seq, t)
    if kind == "filter":
        m = e.filter
        return FilterResult(seq, t, m.epoch, m.removed_count, m.precision, m.recall, m.kept_size, m.expansion)
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
