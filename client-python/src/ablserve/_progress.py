from __future__ import annotations

import math
import sys
from typing import Optional, Protocol

from tqdm.auto import tqdm

from ._config import SessionConfig
from ._display import bars_wanted
from ._events import (EpochSummary, Event, FilterResult, FinalResult, IsolationResult, PhaseChange, StateChange,
                      StepMetrics)


class _Followed(Protocol):
    """What the bars need of a session (a :class:`Session`), named here so this module need not import it."""

    id: str
    config: SessionConfig


class PhaseProgress:
    """One tqdm bar per training phase, counting epochs, with the latest loss, clean accuracy (CA) and attack
    success rate (ASR) as its postfix; the isolation, backdoor check, filtering and final outcomes are written
    between bars. An ABL session goes isolation -> isolated -> unlearning, or -> training when no backdoor was
    confirmed; the baseline trains throughout.

    ``bars``: None draws them in Jupyter or on a terminal only; elsewhere (a log file, CI) each phase and epoch
    is a plain line instead."""

    def __init__(self, session: _Followed, bars: Optional[bool] = None):
        self._session = session
        self._bars = bars_wanted() if bars is None else bars
        self._bar: Optional[tqdm] = None
        self._postfix: dict = {}

    def update(self, event: Event) -> None:
        abl = self._session.config.abl
        if isinstance(event, PhaseChange):
            self.close()
            # A phase after the turning epoch runs to the end, from wherever the turn came (isolate_early).
            config = self._session.config
            fine_tuning, nad, mcr = config.fine_tuning, config.nad, config.mcr
            totals = {"isolation": abl.isolation_epochs, "unlearning": abl.epochs - event.epoch,
                      "training": abl.epochs - event.epoch,
                      # nothing confirmed: plain training afresh, numbered on from the turn
                      "retraining": abl.epochs,
                      # "nad": the teacher's epochs, then the distilled model's, in one phase; "mcr": both
                      # endpoints' fine-tuning, then the curve's
                      "finetuning": ((fine_tuning.epochs if fine_tuning is not None else 0) * (2 if mcr is not None else 1)
                                     + (nad.teacher_epochs if nad is not None else 0)
                                     + (mcr.curve_epochs if mcr is not None else 0))}
            if not self._bars:
                tqdm.write(f"phase {event.phase} from epoch {event.epoch}", file=sys.stderr)
            elif event.phase in totals:
                self._bar = tqdm(total=max(totals[event.phase], 1), desc=f"{event.phase:<10}", unit="epoch",
                                 dynamic_ncols=True)
                self._postfix = {}
        elif isinstance(event, StepMetrics) and self._bar is not None:
            self._postfix["step"] = event.step
            self._postfix["loss"] = f"{event.batch_loss:.3f}"
            self._bar.set_postfix(self._postfix, refresh=False)
            self._bar.refresh()
        elif isinstance(event, EpochSummary) and not self._bars:
            tqdm.write(f"epoch {event.epoch} {event.phase}: CA {event.clean_accuracy:.3f},"
                       f" ASR {event.attack_success_rate:.3f}", file=sys.stderr)
        elif isinstance(event, EpochSummary) and self._bar is not None:
            self._postfix["CA"] = f"{event.clean_accuracy:.3f}"
            self._postfix["ASR"] = f"{event.attack_success_rate:.3f}"
            self._bar.set_postfix(self._postfix, refresh=False)
            self._bar.update(1)
        elif isinstance(event, IsolationResult):
            tqdm.write(f"isolated {len(event.indices)} of {event.train_size} samples at epoch {event.epoch}:"
                       f" precision {event.precision:.3f}, recall {event.recall:.3f}", file=sys.stderr)
            if event.verdict is not None:
                tqdm.write(str(event.verdict), file=sys.stderr)
        elif isinstance(event, FilterResult):
            what = "ascended as the backdoor's (D_b)" if event.expansion else "set apart from D_c"
            tqdm.write(f"{event.removed_count} samples {what}: precision {event.precision:.3f},"
                       f" recall {event.recall:.3f}", file=sys.stderr)
        elif isinstance(event, FinalResult):
            self.close()
            tqdm.write(summary(event), file=sys.stderr)
        elif isinstance(event, StateChange) and event.state not in ("queued", "running"):
            self.close()
            reason = f" ({event.reason})" if event.reason else ""
            tqdm.write(f"session {self._session.id} {event.state}{reason}", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def summary(result: FinalResult) -> str:
    """The final figures in one line: "CA 0.912 (lowest class 6: 0.712), ASR 0.004 after 10 epochs; backdoor
    confirmed at label 0: ..." (the lowest class when reported, the verdict when a backdoor check ran)."""
    line = f"CA {result.clean_accuracy:.3f}"
    tested = [(a, c) for c, a in enumerate(result.class_accuracy) if not math.isnan(a)]
    if tested:
        lowest, label = min(tested)
        line += f" (lowest class {label}: {lowest:.3f})"
    line += f", ASR {result.attack_success_rate:.3f} after {result.epochs} epochs"
    return line if result.verdict is None else f"{line}; {result.verdict}"
