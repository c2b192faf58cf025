from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

from tqdm.auto import tqdm

from ._events import EpochSummary, Event, FilterResult, IsolationResult, PhaseChange, StateChange, StepMetrics

if TYPE_CHECKING:
    from ._session import Session


class PhaseProgress:
    """One tqdm bar per training phase, counting epochs, with the latest loss, clean accuracy (CA) and attack
    success rate (ASR) as its postfix; the isolation and filtering outcomes are written between bars."""

    def __init__(self, session: Session):
        self._session = session
        self._bar: Optional[tqdm] = None
        self._postfix: dict = {}

    def update(self, event: Event) -> None:
        abl = self._session.config.abl
        if isinstance(event, PhaseChange):
            self.close()
            totals = {"isolation": abl.isolation_epochs, "unlearning": abl.epochs - abl.isolation_epochs,
                      "training": abl.epochs}
            if event.phase in totals:
                self._bar = tqdm(total=totals[event.phase], desc=f"{event.phase:<10}", unit="epoch",
                                 dynamic_ncols=True)
                self._postfix = {}
        elif isinstance(event, StepMetrics) and self._bar is not None:
            self._postfix["step"] = event.step
            self._postfix["loss"] = f"{event.batch_loss:.3f}"
            self._bar.set_postfix(self._postfix, refresh=False)
            self._bar.refresh()
        elif isinstance(event, EpochSummary) and self._bar is not None:
            self._postfix["CA"] = f"{event.clean_accuracy:.3f}"
            self._postfix["ASR"] = f"{event.attack_success_rate:.3f}"
            self._bar.set_postfix(self._postfix, refresh=False)
            self._bar.update(1)
        elif isinstance(event, IsolationResult):
            tqdm.write(f"isolated {len(event.indices)} of {event.train_size} samples at epoch {event.epoch}:"
                       f" precision {event.precision:.3f}, recall {event.recall:.3f}", file=sys.stderr)
        elif isinstance(event, FilterResult):
            what = "isolation expansion moved" if event.expansion else "suspect filtering removed"
            tqdm.write(f"{what} {event.removed_count} samples: precision {event.precision:.3f},"
                       f" recall {event.recall:.3f}", file=sys.stderr)
        elif isinstance(event, StateChange) and event.state not in ("queued", "running"):
            self.close()
            reason = f" ({event.reason})" if event.reason else ""
            tqdm.write(f"session {self._session.id} {event.state}{reason}", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
