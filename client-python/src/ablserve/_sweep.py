"""A grid of sessions (attacks x poison rates x targets x seeds x defenses) and its results as the ABL paper's
Table 1. The server holds all the state: each cell is created with a request_id derived from the sweep's name and
the cell's config, so creating the same sweep again, from any client, returns the sessions the first call made."""
from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import math
import sys
import time
import uuid
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import grpc
import pandas as pd
from tqdm.auto import tqdm

from ._config import SessionConfig, canonical, is_choice
from ._display import bars_wanted
from ._errors import AblError
from ._events import EpochSummary
from ._proto.v1 import session_pb2 as pb
from ._session import Session, _check_on_interrupt, _Connection

# Fixed forever: changing it would make every existing sweep create its sessions anew.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/ablserve/ablserve/sweep")
DEFENSE_LABELS = {"none": "No defense", "ft": "FT", "fp": "FP", "nad": "NAD", "mcr": "MCR", "abl": "ABL"}


@dataclasses.dataclass(frozen=True)
class SweepCell:
    """One point of the grid. ``poison_rate`` is 0 for attack "none", which poisons nothing whatever the rate."""

    attack: str
    poison_rate: float
    target_label: int
    seed: int
    defense: str


def cells(attacks: Sequence[str], rates: Sequence[float], targets: Sequence[int], seeds: Sequence[int],
          defenses: Sequence[str]) -> List[SweepCell]:
    """The cartesian product in row order (attack, rate, target, seed, defense), without repeats; attacks and
    defenses by their canonical names ("BadNets" is "badnets"; AblError INVALID_ARGUMENT for an unknown one)."""
    out: Dict[SweepCell, None] = {}
    attacks = [canonical("attack.kind", a) for a in attacks]
    defenses = [canonical("abl.defense", d) for d in defenses]
    for attack, rate, target, seed, defense in itertools.product(attacks, rates, targets, seeds, defenses):
        out[SweepCell(attack, 0.0 if attack == "none" else float(rate), int(target), int(seed), defense)] = None
    return list(out)


def cell_config(base: SessionConfig, name: str, cell: SweepCell) -> SessionConfig:
    """``base`` with the cell's attack, rate, target, seed and defense (attack "none" keeps base's rate, which the
    server validates but does not use) and a display name that says which cell it is."""
    config = copy.deepcopy(base)
    config.attack = dataclasses.replace(config.attack, kind=cell.attack, target_label=cell.target_label)
    if cell.attack != "none":
        config.attack.poison_rate = cell.poison_rate
    config.abl = dataclasses.replace(config.abl, defense=cell.defense)
    config.seed = cell.seed
    rate = "" if cell.attack == "none" else f" {cell.poison_rate:g}"
    config.display_name = f"{name}: {cell.attack}{rate} target {cell.target_label} {cell.defense} seed {cell.seed}"
    return config


# Config fields added after sweeps shipped: left out of the key while at what older clients sent, so that a sweep
# an older client started is picked up by a newer one instead of being queued again.
_LATER_FIELDS = {"attack": ("patch_corner", "patch_margin_px", "blend_pattern", "blend_seed", "label_mode",
                            "cl_epsilon", "cl_step_size", "cl_steps", "cl_surrogate_epochs", "cl_all_corners",
                            "dynamic_generator_epochs", "dynamic_mask_epochs", "dynamic_cross_ratio",
                            "dynamic_mask_density"),
                 "abl": ("trigger_probe", "isolation_signal", "suspect_treatment", "retrain_unconfirmed")}
# Where a later field's default changed, the value older clients trained with: the trigger probe became the
# default after sweeps ran without it, and a sweep with it on must not pick up their sessions; suspects were
# dropped before they trained under the model's labels.
_OLDER_VALUES = {("abl", "trigger_probe"): False, ("abl", "suspect_treatment"): "drop"}
# SessionConfig's own later fields (the baseline defences' settings): unset (None) is what older clients sent.
_LATER_TOP_FIELDS = ("clean_data", "fine_tuning", "fine_pruning", "nad", "mcr")
# Fields added to a baseline defence's section after it shipped: unset (None, or no layers) is what older clients
# sent, the server's default.
_LATER_SECTION_FIELDS = {"nad": ("layers",)}
# What clients sent for a field the user left alone before they left it to the server (they sent every field,
# filled with copies of the server's defaults of the time). Frozen: these values name the sessions the sweeps of
# those clients created. In a request id an unset field counts as the value the server would train with (its
# session_defaults), or as this one from a server that does not say; only the fields listed here are filled,
# those older clients left unset (cl_epsilon, unlearning_learning_rate...) stay unset.
_SENT_BY_OLDER_CLIENTS = {
    "attack": {"kind": "badnets", "target_label": 0, "poison_rate": 0.1, "patch_size_px": 3, "blend_alpha": 0.2,
               "sig_amplitude": 20.0, "sig_frequency": 6, "wanet_grid_size": 4, "wanet_strength": 0.5,
               "wanet_cross_ratio": 2.0, "patch_corner": "bottom_right", "patch_margin_px": 1,
               "blend_pattern": "noise", "blend_seed": 1112294734, "label_mode": "all_to_one", "cl_step_size": 1.5,
               "cl_steps": 100, "cl_surrogate_epochs": 2, "cl_all_corners": True, "dynamic_generator_epochs": 2,
               "dynamic_mask_epochs": 1, "dynamic_cross_ratio": 1.0, "dynamic_mask_density": 0.032},
    "abl": {"epochs": 10, "isolation_epochs": 5, "isolation_ratio": 0.01, "isolation_loss": "lga", "lga_gamma": 0.5,
            "flooding_level": 0.5, "loss_reduction": "batch_mean", "learning_rate": 0.01, "unlearning_weight": 1.0,
            "batch_size": 128, "momentum": 0.9, "weight_decay": 0.0001, "step_report_interval": 10,
            "defense": "abl", "unlearning_mode": "gga", "ascent_epochs": 1, "ranking": "per_class",
            "suspect_filtering": False, "augmentation": True, "isolation_expansion": True, "isolate_early": True,
            "final_decay_epochs": 2, "trigger_probe": True, "isolation_signal": "loss", "suspect_treatment": "drop",
            # never sent: what servers of the time did when nothing was confirmed (they trained on)
            "retrain_unconfirmed": False},
    "model": "small_cnn",
    "seed": 0,
    "fine_tuning": {"epochs": 10},
    "fine_pruning": {"max_accuracy_drop": 0.04, "max_prune_ratio": 0.9},
    "nad": {"teacher_epochs": 5, "beta": 10.0},
    "mcr": {"curve_epochs": 10, "t": 0.4},
}


def request_id(name: str, config: SessionConfig, defaults: Optional[SessionConfig] = None) -> str:
    """uuid5 of the sweep's name and the cell's whole config: the same name and grid give the same ids, while a
    changed ``base`` gives new ones rather than silently returning sessions trained on the old one. A field left
    unset counts as the server's default (``defaults``, the server's session_defaults; without them, what older
    clients sent): while that is what older clients sent, their sweeps keep their ids, and once a server default
    changes, a sweep that leaves the field unset gets new sessions rather than those trained with the old one."""
    fields = _with_unset_filled(dataclasses.asdict(config), _unset_values(defaults))
    for part, names in _LATER_FIELDS.items():
        for field_name in names:
            older = _OLDER_VALUES.get((part, field_name), _SENT_BY_OLDER_CLIENTS[part].get(field_name))
            if fields[part][field_name] == older:
                del fields[part][field_name]
    for field_name in _LATER_TOP_FIELDS:
        if fields.get(field_name, 0) is None:
            del fields[field_name]
    for part, names in _LATER_SECTION_FIELDS.items():
        for field_name in names:
            if fields.get(part) is not None and not fields[part].get(field_name):
                del fields[part][field_name]
    key = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return str(uuid.uuid5(_NAMESPACE, f"{name}\n{key}"))


def _unset_values(defaults: Optional[SessionConfig]) -> dict:
    """For each field of :data:`_SENT_BY_OLDER_CLIENTS`, what an unset one trains with: the server's default
    where ``defaults`` has it, else what older clients sent."""
    if defaults is None:
        return _SENT_BY_OLDER_CLIENTS
    resolved = dataclasses.asdict(defaults)
    out = {}
    for key, sent in _SENT_BY_OLDER_CLIENTS.items():
        if isinstance(sent, dict):
            section = resolved.get(key) or {}
            out[key] = {n: v if section.get(n) is None else section[n] for n, v in sent.items()}
        else:
            out[key] = sent if resolved.get(key) is None else resolved[key]
    return out


def _with_unset_filled(fields: dict, values: dict) -> dict:
    """``fields`` (a SessionConfig as a dict) with each unset field of ``values`` filled from it, and every
    choice by its canonical name (older clients took no other spelling)."""
    for key, value in values.items():
        if not isinstance(value, dict):
            if fields[key] is None:
                fields[key] = value
            continue
        section = fields.get(key)
        if section is None:  # a defence's section not sent: as older clients sent it
            continue
        for field_name, field_value in value.items():
            if section.get(field_name) is None:
                section[field_name] = field_value
    fields["model"] = canonical("model", fields["model"])
    for part in ("attack", "abl"):
        for field_name, field_value in fields[part].items():
            if isinstance(field_value, str) and is_choice(f"{part}.{field_name}"):
                fields[part][field_name] = canonical(f"{part}.{field_name}", field_value)
    return fields


def _server_defaults(client: _Connection, timeout: Optional[float]) -> Optional[SessionConfig]:
    """The server's session_defaults; None from a server older than them."""
    response = client._unary(client._sessions.ListDevices, pb.ListDevicesRequest(), timeout)
    return SessionConfig.from_proto(response.session_defaults) if response.HasField("session_defaults") else None


def create(client: _Connection, *, attacks: Optional[Sequence[str]], rates: Optional[Sequence[float]],
           seeds: Optional[Sequence[int]], defenses: Sequence[str], targets: Optional[Sequence[int]],
           base: Optional[SessionConfig], priority: int, name: Optional[str], timeout: Optional[float]) -> Sweep:
    """What :meth:`Client.sweep` does (this module does not import the Client, which imports it)."""
    base = base or SessionConfig()
    name = name or f"sweep-{uuid.uuid4().hex[:12]}"
    defaults = _server_defaults(client, timeout)
    # The axes base leaves unset too take the server's defaults, so that every cell is named before it is created.
    unset = _unset_values(defaults)
    grid = cells(_listed("attacks", attacks, _or(base.attack.kind, unset["attack"]["kind"])),
                 _listed("rates", rates, _or(base.attack.poison_rate, unset["attack"]["poison_rate"])),
                 _listed("targets", targets, _or(base.attack.target_label, unset["attack"]["target_label"])),
                 _listed("seeds", seeds, _or(base.seed, unset["seed"])),
                 _listed("defenses", defenses, None))
    # Every config is converted before the first is sent, so a misspelt attack or defense queues nothing.
    requests = []
    for cell in grid:
        config = cell_config(base, name, cell)
        requests.append(pb.CreateSessionRequest(config=config.to_proto(), priority=priority,
                                                request_id=request_id(name, config, defaults)))
    sessions = [Session(client, client._unary(client._sessions.CreateSession, r, timeout)) for r in requests]
    return Sweep(name, grid, sessions)


def _or(value, default):
    return default if value is None else value


def _listed(what: str, values, default) -> list:
    if values is None:
        return [default]
    if isinstance(values, (str, int, float)):
        values = [values]
    values = list(values)
    if not values:
        raise ValueError(f"{what} must not be empty")
    return values


class Sweep:
    """A grid of sessions made by :meth:`Client.sweep`: ``name``, ``cells`` (:class:`SweepCell`, in row order)
    and ``sessions`` (the :class:`Session` of each cell, in the same order; snapshots renewed by :meth:`refresh`,
    :meth:`wait`, :meth:`frame` and :meth:`results`). ``client.sweep(..., name=sweep.name)`` with the same grid
    and base finds these sessions again, from any client."""

    def __init__(self, name: str, cells: Sequence[SweepCell], sessions: Sequence[Session]):
        self.name = name
        self.cells: List[SweepCell] = list(cells)
        self.sessions: List[Session] = list(sessions)

    def __len__(self) -> int:
        return len(self.sessions)

    def __iter__(self) -> Iterator[Tuple[SweepCell, Session]]:
        return iter(zip(self.cells, self.sessions))

    @property
    def done(self) -> bool:
        """Whether every session had finished (any terminal state) at the last snapshot."""
        return all(s.done for s in self.sessions)

    def refresh(self, *, timeout: Optional[float] = None) -> Sweep:
        """Fetches the current state of every session not already finished; returns self."""
        for session in self.sessions:
            if not session.done:
                session.refresh(timeout=timeout)
        return self

    def wait(self, progress: bool = True, *, timeout: Optional[float] = None, on_interrupt: str = "ask") -> Sweep:
        """Blocks until every session has finished, with one tqdm bar over the grid (the cell training and its
        latest epoch's CA and ASR as postfix) in Jupyter or on a terminal, a line per finished session
        elsewhere; returns self, refreshed (check ``frame()["state"]``). ``timeout`` bounds the whole wait.

        Ctrl-C works as in :meth:`Session.wait`, for the whole grid: ``on_interrupt="ask"`` (default) asks
        ``cancel the N unfinished sessions of sweep <name>? [Y/n]`` when stdin is a terminal and cancels them
        otherwise; ``"cancel"`` always cancels; ``"detach"`` leaves them queued and training. The
        KeyboardInterrupt is re-raised afterwards.
        """
        _check_on_interrupt(on_interrupt)
        deadline = None if timeout is None else time.monotonic() + timeout
        self.refresh(timeout=timeout)
        bar = _GridProgress(self, progress)
        try:
            # The queue trains them about in creation order, so following them in turn waits little in vain.
            for cell, session in self:
                if session.done:
                    continue
                while not session.done:
                    left = None if deadline is None else max(deadline - time.monotonic(), 0.001)
                    for event in session._events(0, True, left):
                        if isinstance(event, EpochSummary):
                            bar.epoch(cell, event)
                    session.refresh(timeout=left)
                bar.finished(cell, session)
        except KeyboardInterrupt:
            bar.close()
            self._interrupted(on_interrupt)
            raise
        finally:
            bar.close()
        return self

    def frame(self, *, refresh: bool = True, timeout: Optional[float] = None) -> pd.DataFrame:
        """One row per session: the cell (attack, poison_rate, target_label, seed, defense), session_id, state,
        then the final figures (clean_accuracy, attack_success_rate, isolation_precision, isolation_recall,
        epochs, elapsed_s; NaN unless succeeded) and the backdoor check (verdict_confirmed, verdict_label;
        None when no check ran), then failure_reason."""
        if refresh:
            self.refresh(timeout=timeout)
        rows = []
        for cell, session in self:
            r = session.result if session.state == "succeeded" else None
            verdict = r.verdict if r is not None else None
            rows.append({
                **dataclasses.asdict(cell), "session_id": session.id, "state": session.state,
                "clean_accuracy": r.clean_accuracy if r else math.nan,
                "attack_success_rate": r.attack_success_rate if r else math.nan,
                "isolation_precision": r.isolation_precision if r else math.nan,
                "isolation_recall": r.isolation_recall if r else math.nan,
                "epochs": r.epochs if r else session.epoch,
                "elapsed_s": r.elapsed_ms / 1000 if r else math.nan,
                "verdict_confirmed": verdict.confirmed if verdict else None,
                "verdict_label": verdict.label if verdict else None,
                "failure_reason": session.failure_reason,
            })
        columns = [f.name for f in dataclasses.fields(SweepCell)] + [
            "session_id", "state", "clean_accuracy", "attack_success_rate", "isolation_precision",
            "isolation_recall", "epochs", "elapsed_s", "verdict_confirmed", "verdict_label", "failure_reason"]
        return pd.DataFrame(rows, columns=columns)

    def results(self, *, percent: bool = True, refresh: bool = True,
                timeout: Optional[float] = None) -> pd.DataFrame:
        """The ABL paper's Table 1: a row per attack and poison rate (and target label, when the grid has more
        than one), and for each defense ("No defense", "ABL") the columns "CA" and "ASR", the mean over seeds of
        the succeeded sessions (NaN where none has succeeded yet), in percent unless ``percent=False``. With
        more than one seed, "CA std" and "ASR std" follow each (the sample standard deviation).
        ``df.to_markdown(floatfmt=".2f")`` and ``df.to_latex(float_format="%.2f")`` give the paper's table
        (they need tabulate and jinja2, in ``ablserve[notebook]``)."""
        frame = self.frame(refresh=refresh, timeout=timeout)
        scale = 100.0 if percent else 1.0
        frame["CA"] = frame["clean_accuracy"] * scale
        frame["ASR"] = frame["attack_success_rate"] * scale
        rows = ["attack", "poison_rate"] + (["target_label"] if frame["target_label"].nunique() > 1 else [])
        row_keys = list(dict.fromkeys(frame[rows].itertuples(index=False, name=None)))
        index = pd.MultiIndex.from_tuples(row_keys, names=rows)
        stats = ["mean"] + (["std"] if frame["seed"].nunique() > 1 else [])
        grouped = frame.groupby(rows + ["defense"], sort=False)[["CA", "ASR"]].agg(stats)
        table: Dict[Tuple[str, str], pd.Series] = {}
        for defense in dict.fromkeys(frame["defense"]):
            part = grouped.xs(defense, level="defense")
            for metric in ("CA", "ASR"):
                for stat in stats:
                    label = metric if stat == "mean" else f"{metric} std"
                    table[(DEFENSE_LABELS.get(defense, defense), label)] = part[(metric, stat)].reindex(index)
        result = pd.DataFrame(table, index=index)
        result.columns = pd.MultiIndex.from_tuples(result.columns, names=["defense", "metric"])
        return result

    def _interrupted(self, on_interrupt: str) -> None:
        unfinished = [s for s in self.sessions if not s.done]
        if not unfinished:
            return
        cancel = on_interrupt == "cancel"
        if on_interrupt == "ask":
            cancel = True
            if sys.stdin is not None and sys.stdin.isatty():
                try:
                    answer = input(f"\ncancel the {len(unfinished)} unfinished sessions of sweep {self.name}? [Y/n] ")
                    cancel = answer.strip().lower() not in ("n", "no")
                except (KeyboardInterrupt, EOFError):
                    cancel = True
        if not cancel:
            print(f"sweep {self.name} keeps {len(unfinished)} sessions on the server; client.sweep(...,"
                  f" name={self.name!r}) with the same grid finds them again", file=sys.stderr)
            return
        for session in unfinished:
            try:
                session.cancel(wait=False)  # a second Ctrl-C must not land in a wait
            except AblError as e:
                if e.code != grpc.StatusCode.FAILED_PRECONDITION:  # not "already finished"
                    print(f"could not cancel remote session {session.id}: {e}", file=sys.stderr)
        print(f"cancelled the {len(unfinished)} unfinished sessions of sweep {self.name}", file=sys.stderr)

    def __repr__(self) -> str:
        states: Dict[str, int] = {}
        for session in self.sessions:
            states[session.state] = states.get(session.state, 0) + 1
        counts = ", ".join(f"{n} {state}" for state, n in states.items())
        return f"Sweep(name={self.name!r}, sessions={len(self.sessions)}: {counts})"


def _cell_text(cell: SweepCell) -> str:
    rate = "" if cell.attack == "none" else f" {cell.poison_rate:g}"
    return f"{cell.attack}{rate} {cell.defense} seed {cell.seed}"


class _GridProgress:
    """A bar counting finished sessions, or plain lines when bars are not wanted (a log file, CI)."""

    def __init__(self, sweep: Sweep, progress: bool):
        self._sweep = sweep
        self._progress = progress
        self._bar: Optional[tqdm] = None
        finished = sum(s.done for s in sweep.sessions)
        if progress and bars_wanted():
            self._bar = tqdm(total=len(sweep), initial=finished, desc=f"sweep {sweep.name}", unit="session",
                             dynamic_ncols=True)

    def epoch(self, cell: SweepCell, event: EpochSummary) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"{_cell_text(cell)}: epoch {event.epoch} CA {event.clean_accuracy:.3f}"
                                      f" ASR {event.attack_success_rate:.3f}")

    def finished(self, cell: SweepCell, session: Session) -> None:
        if self._bar is not None:
            self._bar.update(1)
        elif self._progress:
            r = session.result
            figures = f": CA {r.clean_accuracy:.3f}, ASR {r.attack_success_rate:.3f}" if r is not None else ""
            tqdm.write(f"sweep {self._sweep.name}: {_cell_text(cell)} {session.state}{figures}", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
