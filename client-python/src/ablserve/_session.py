from __future__ import annotations

import dataclasses
import sys
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List, Optional, Protocol, Sequence, Tuple, Union

import grpc
import pandas as pd

from . import _events, _plot, _results, _samples
from ._config import AttackConfig, DatasetConfig, SessionConfig
from ._display import html_table, in_jupyter
from ._errors import AblError, translated
from ._events import EpochSummary, Event, FinalResult, IsolationResult, StateChange, StepMetrics
from ._progress import PhaseProgress
from ._proto.v1 import results_pb2 as rpb
from ._proto.v1 import session_pb2 as pb
from ._results import Evaluation
from ._samples import Samples


class _Connection(Protocol):
    """What a session needs of its :class:`Client`, named here so that this module need not import the one
    that imports it."""

    address: str
    timeout: float
    _metadata: Tuple[Tuple[str, str], ...]
    _sessions: Any
    _results: Any

    def _unary(self, method, request, timeout: Optional[float]) -> Any: ...

    def _watch(self, request: pb.WatchSessionRequest, timeout: Optional[float]) -> Iterator[pb.SessionEvent]: ...

ON_INTERRUPT = ("ask", "cancel", "detach")


class Session:
    """A training session on the server. Its attributes are a snapshot, renewed by :meth:`refresh`,
    :meth:`cancel` and :meth:`wait`:

    ``id``, ``config`` (the :class:`SessionConfig` as resolved by the server), ``state`` ("queued",
    "running", "succeeded", "failed", "cancelled", "interrupted"), ``phase`` ("isolation", "isolated",
    "unlearning", "training", "retraining", "finetuning", or "" when not running), ``epoch`` (while running, the epoch being trained,
    counted from 0; once finished, the number of epochs done), ``queue_position`` (the sessions that will
    train first, in priority order; -1 unless queued), ``priority`` (as created), ``failure_reason``, ``created_at`` / ``started_at`` / ``finished_at`` (UTC datetimes or None),
    ``result`` (a :class:`FinalResult` once succeeded, else None), ``device`` and ``owner``.

    Methods that take ``timeout=`` default to the client's timeout for one request/response; the streaming
    ones (:meth:`watch`, :meth:`wait`) default to no deadline.
    """

    def __init__(self, client: _Connection, message: pb.Session):
        self._client = client
        self._live_plots: List[threading.Thread] = []
        self._update(message)

    def _update(self, m: pb.Session) -> None:
        self.id: str = m.id
        self.config: SessionConfig = SessionConfig.from_proto(m.config)
        self.state: str = _events.state_name(m.state)
        # The server keeps the last phase of a finished session; it means something only while running.
        running = m.state == pb.SESSION_STATE_RUNNING and m.phase != pb.PHASE_UNSPECIFIED
        self.phase: str = _events.phase_name(m.phase) if running else ""
        self.epoch: int = m.epoch
        self.queue_position: int = m.queue_position
        self.priority: int = m.priority
        self.failure_reason: str = m.failure_reason
        self.created_at = _events.timestamp(m.created_at)
        self.started_at = _events.timestamp(m.started_at)
        self.finished_at = _events.timestamp(m.finished_at)
        self.result: Optional[FinalResult] = _events.final_result(m.result) if m.HasField("result") else None
        self.device: str = m.device
        # The device slot it trains (or last trained) on, e.g. "gpu-0": with slots the slot, not
        # config.device, decides where a session trains. Empty before it first starts.
        self.slot: str = m.slot
        self.owner: str = m.owner

    @property
    def done(self) -> bool:
        """Whether the session had finished (any terminal state) at the last snapshot."""
        return self.state in _events.TERMINAL_STATES

    def refresh(self, *, timeout: Optional[float] = None) -> Session:
        """Fetches the current state; returns self."""
        c = self._client
        self._update(c._unary(c._sessions.GetSession, pb.GetSessionRequest(session_id=self.id), timeout))
        return self

    def cancel(self, wait: bool = True, *, timeout: Optional[float] = None) -> Session:
        """Cancels a queued or running session and returns self once it reads "cancelled" (or another terminal
        state, had it finished meanwhile): a running one stops within one training step. ``wait=False``
        returns as soon as the server has taken the request, the session possibly still "running" (or "queued",
        when a trainer had just taken it: it is then cancelled before it trains).
        ``timeout`` bounds the request and the wait together (AblError DEADLINE_EXCEEDED when the session
        has not stopped by then). AblError FAILED_PRECONDITION when it had already finished."""
        c = self._client
        budget = c.timeout if timeout is None else timeout
        deadline = time.monotonic() + budget
        self._update(c._unary(c._sessions.CancelSession, pb.CancelSessionRequest(session_id=self.id), budget))
        interval = 0.05
        while wait and not self.done:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AblError(grpc.StatusCode.DEADLINE_EXCEEDED,
                               f"session {self.id} was asked to cancel but still reads {self.state!r} after"
                               f" {budget:g} s; session.refresh() tells when it stops")
            time.sleep(min(interval, left))
            interval = min(interval * 2, 1.0)
            self.refresh(timeout=max(left, 0.001))
        return self

    def resume(self, device: Optional[str] = None, *, timeout: Optional[float] = None) -> Session:
        """Queues an "interrupted" session (the server stopped while it trained) again; returns self. It goes on
        from the checkpoint saved after its last finished epoch, or from epoch 0 when there is none; its events
        go on after the "interrupted" state. A server started with ``--resume-interrupted auto`` (the default)
        does this by itself at startup. AblError FAILED_PRECONDITION in any other state.

        ``device`` (``"cpu"``, ``"gpu"``, ``"gpu:N"``; ``""``: any slot) resumes it there, its config keeping
        it: for a session whose device no slot of the server serves any more (the reason of its "interrupted"
        state event, the last in :meth:`watch`, says so and names the slots).
        AblError INVALID_ARGUMENT, naming the slots, when none serves it either."""
        c = self._client
        request = pb.ResumeSessionRequest(session_id=self.id)
        if device is not None:
            request.device = device
        self._update(c._unary(c._sessions.ResumeSession, request, timeout))
        return self

    def delete(self, *, timeout: Optional[float] = None) -> None:
        """Deletes this finished session on the server, with its events, checkpoints and model. AblError
        FAILED_PRECONDITION while it is queued or running (cancel it first)."""
        self._client.delete_session(self.id, timeout=timeout)

    def watch(self, from_sequence: int = 0, follow: bool = True, *, timeout: Optional[float] = None,
              on_interrupt: str = "ask") -> Iterator[Event]:
        """Iterates over the session's events as typed dataclasses (:class:`StepMetrics`, :class:`EpochSummary`,
        :class:`PhaseChange`, :class:`IsolationResult`, :class:`FilterResult`, :class:`StateChange`,
        :class:`FinalResult`), replayed from ``from_sequence``; with ``follow`` it then streams live ones and
        ends after the final :class:`StateChange`, otherwise it ends after the replay.

        Ctrl-C while waiting for an event is handled by ``on_interrupt`` (see :meth:`wait`), then re-raised.
        """
        _check_on_interrupt(on_interrupt)
        return self._watch(self._events(from_sequence, follow, timeout), on_interrupt)

    def _watch(self, events: Iterator[Event], on_interrupt: str) -> Iterator[Event]:
        try:
            while True:
                try:
                    event = next(events)
                except StopIteration:
                    return
                except KeyboardInterrupt:
                    events.close()
                    self._interrupted(on_interrupt)
                    raise
                yield event
        finally:
            events.close()

    def wait(self, progress: bool = True, *, timeout: Optional[float] = None, on_interrupt: str = "ask") -> Session:
        """Blocks until the session finishes, showing a tqdm bar per phase (epochs, with the latest loss,
        clean accuracy and attack success rate) in Jupyter or on a terminal, plain lines per phase and epoch
        elsewhere (a log file); returns the refreshed session (check ``state``).

        Ctrl-C (KeyboardInterrupt, also the Jupyter stop button) never leaves an unknown session behind:
        ``on_interrupt="ask"`` (default) asks ``cancel remote session <id>? [Y/n]`` when stdin is a terminal
        and cancels it otherwise (Jupyter, scripts under CI); ``"cancel"`` always cancels; ``"detach"``
        leaves it training and prints its id. The KeyboardInterrupt is re-raised afterwards.
        """
        _check_on_interrupt(on_interrupt)
        bars = PhaseProgress(self) if progress else None
        events = self._events(0, True, timeout)
        try:
            for event in events:
                if bars is not None:
                    bars.update(event)
        except KeyboardInterrupt:
            events.close()
            if bars is not None:
                bars.close()
            self._interrupted(on_interrupt)
            raise
        finally:
            events.close()
            if bars is not None:
                bars.close()
        for thread in self._live_plots:
            thread.join()
        return self.refresh()

    def metrics(self, level: str = "epoch", *, timeout: Optional[float] = None) -> pd.DataFrame:
        """The metrics recorded so far as a DataFrame, one row per event.

        ``level="epoch"``: phase, epoch, clean_accuracy, attack_success_rate, mean_loss_poisoned,
        mean_loss_clean, isolation_precision, isolation_recall, train_elapsed_ms, images_per_second, then the
        clean accuracy of each class as the float columns ``class_accuracy_0`` .. ``class_accuracy_<N-1>``
        (indexed by label; ``df.filter(like="class_accuracy_")`` selects them), then time.
        ``level="step"``: phase, epoch, step, batch_loss, objective, learning_rate, images_per_second, time.
        """
        kinds = {"epoch": EpochSummary, "step": StepMetrics}
        if level not in kinds:
            raise ValueError(f"level must be 'epoch' or 'step', got {level!r}")
        kind = kinds[level]
        events = [e for e in self._events(0, False, timeout) if isinstance(e, kind)]
        columns = [f.name for f in dataclasses.fields(kind) if f.name not in ("sequence", "time", "class_accuracy")]
        rows = [dataclasses.asdict(e) for e in events]
        if kind is EpochSummary:
            # One column per class rather than one of tuples: they plot, filter and aggregate like the others.
            classes = max((len(e.class_accuracy) for e in events), default=0)
            columns += [f"class_accuracy_{c}" for c in range(classes)]
            for row in rows:
                row.update((f"class_accuracy_{c}", a) for c, a in enumerate(row.pop("class_accuracy")))
        return pd.DataFrame(rows, columns=columns + ["time"])

    def isolation(self, *, timeout: Optional[float] = None) -> IsolationResult:
        """The isolated set D_b as numpy arrays (``indices``, ``losses``, ``poisoned``) with its precision and
        recall; its ``sequence`` and ``time`` are None. AblError FAILED_PRECONDITION before the turning epoch
        or for a session without isolation."""
        c = self._client
        try:
            m = c._unary(c._results.GetIsolation, rpb.GetIsolationRequest(session_id=self.id), timeout)
        except AblError as e:
            if e.code != grpc.StatusCode.UNIMPLEMENTED:
                raise
            return self._isolation_from_events(timeout)  # a server older than the ResultsService
        return dataclasses.replace(_events.isolation_result(m), _session=self)

    def samples(self, which: str = "isolated", *, label: Optional[int] = None,
                indices: Optional[Sequence[int]] = None, offset: int = 0, max_images: int = 64,
                timeout: Optional[float] = None) -> Samples:
        """Up to ``max_images`` of the session's samples from ``offset`` on, as PNG thumbnails made by the server
        (the client reads no dataset): ``which`` is "isolated" (D_b as ascended), "suspects" (left out of
        training), "ranked" (the ranking's pick), "class" (training samples of ``label``), "train" (``indices``
        of the training set) or "test" (test images with their triggered version; ``indices`` optional). Each
        :class:`SampleImage` carries its index, label, poisoned flag and loss; ``.show()`` draws the grid.
        Fetched in calls of at most 256 images. AblError FAILED_PRECONDITION for an isolation set before the
        turning epoch."""
        if max_images < 1:
            raise ValueError(f"max_images must be >= 1, got {max_images}")
        if indices is not None and len(indices) > _samples.MAX_IMAGES_PER_CALL:
            raise ValueError(f"indices may name at most {_samples.MAX_IMAGES_PER_CALL} samples, got {len(indices)}")
        c = self._client
        images: List[_samples.SampleImage] = []
        position = offset
        while True:
            want = min(_samples.MAX_IMAGES_PER_CALL, max_images - len(images))
            request = _samples.request(self.id, which, label, indices, position, want)
            m = c._unary(c._results.GetSampleImages, request, timeout)
            images += [_samples.sample_from_proto(i) for i in m.images]
            total = m.total_count
            if len(images) >= max_images or m.next_offset >= m.total_count or not m.images:
                break
            position = m.next_offset
        return Samples(self.id, which, images, total, offset)

    def plot_losses(self, path: Optional[str] = None, *, timeout: Optional[float] = None):
        """The mean training loss of the poisoned and of the clean samples per epoch (the ABL paper's Figure 1),
        isolation epochs shaded; returns the matplotlib Figure, ``path`` also saves it."""
        return _plot.loss_curves(self, path, timeout)

    def plot_class_accuracy(self, path: Optional[str] = None, *, timeout: Optional[float] = None):
        """The last epoch's clean test accuracy of each class as bars, the attack's target in red; returns the
        matplotlib Figure, ``path`` also saves it."""
        return _plot.class_accuracy(self, path, timeout)

    def plot_confusion_matrix(self, path: Optional[str] = None, *, normalize: bool = True,
                              timeout: Optional[float] = None):
        """The final model's confusion matrix on the clean test set (``result.confusion_matrix``) as a heat map
        of counts, coloured by each row's shares (``normalize=False``: by the counts); returns the matplotlib
        Figure, ``path`` also saves it. Needs a succeeded session."""
        if self.result is None:
            self.refresh(timeout=timeout)
        if self.result is None or self.result.confusion_matrix is None:
            raise ValueError(f"session {self.id} has no confusion matrix: it is {self.state}"
                             + (" (or its server predates the field)" if self.state == "succeeded" else ""))
        attack = self.config.attack
        return _plot.confusion_matrix(self.result.confusion_matrix, f"session {self.id[:8]}: confusion matrix",
                                      None if attack.kind == "none" else attack.target_label, path, normalize)

    def _isolation_from_events(self, timeout: Optional[float]) -> IsolationResult:
        found = None
        for event in self._events(0, False, timeout):
            if isinstance(event, IsolationResult):
                found = event
        if found is None:
            raise AblError(grpc.StatusCode.FAILED_PRECONDITION,
                           f"session {self.id} has no isolation result (state {self.refresh().state},"
                           f" defense {self.config.abl.defense!r},"
                           f" turning epoch {self.config.abl.isolation_epochs})")
        return found

    def export_model(self, path: Union[str, os.PathLike], *, format: str = "djl", progress: bool = True,
                     timeout: Optional[float] = None) -> Path:
        """Downloads the trained model of a "succeeded" session into the folder ``path`` (created if missing):
        the model file, checked against the server's size and SHA-256, and ``metadata.json`` (architecture,
        input shape, classes, the per-channel ``pixelMean``/``pixelStd`` the model was trained with, dataset,
        final figures, the resolved config). Returns the model file's path.

        ``format``: ``"djl"`` for DJL's parameter file (e.g. ``model-0000.params``, for DJL's PyTorch engine);
        ``"safetensors"`` for ``model.safetensors`` with PyTorch's parameter names (``conv1.weight``,
        ``layer1.0.bn1.running_mean``) and the architecture, input shape, classes and normalisation in its
        metadata (:meth:`torch_model` builds the module from it). AblError FAILED_PRECONDITION for a session
        that did not succeed. ``timeout`` defaults to none.
        """
        c = self._client
        request = _results.export_request(self.id, format)
        call = c._results.ExportModel(request, timeout=timeout, metadata=c._metadata)
        try:
            return _results.write_export(call, path, progress, c.address, format)
        finally:
            call.cancel()

    def torch_model(self, *, normalize: bool = True, timeout: Optional[float] = None):
        """The trained model of a "succeeded" session as a PyTorch ``nn.Module`` in eval mode, on the CPU: the
        same architecture as on the server (module names as in the PyTorch code it follows, e.g.
        kuangliu/pytorch-cifar's ResNet) with the exported weights. Needs ``ablserve[torch]``.

        It takes float NCHW images scaled to [0, 1] (``pixels / 255``) and normalises them per channel as the
        server did in training (buffers ``pixel_mean`` and ``pixel_std``); ``normalize=False`` leaves that to
        the caller. Its ``state_dict`` keys are the names in :meth:`export_model`'s safetensors file.
        """
        from . import _torch  # only here: torch is an optional extra

        with tempfile.TemporaryDirectory(prefix="ablserve-model-") as folder:
            path = self.export_model(folder, format="safetensors", progress=False, timeout=timeout)
            return _torch.load(path, normalize=normalize)

    def evaluate(self, dataset: Union[None, str, DatasetConfig] = None,
                 attack: Union[None, str, AttackConfig] = None, *,
                 timeout: Optional[float] = None) -> Evaluation:
        """Evaluates the trained model of a "succeeded" session on the server, in eval mode on the device it
        trained on, and returns an :class:`Evaluation` (``clean_accuracy``, ``attack_success_rate``,
        ``test_size``, ``triggered_size``, ``dataset``).

        ``dataset``: None for the session's own test set; a dataset name (or uploaded dataset id) for its whole
        test split; a :class:`DatasetConfig` for its first ``test_limit`` test samples (0: all). ``attack``:
        None for clean accuracy only (``attack_success_rate`` is then NaN); the session's own attack kind
        (e.g. ``"badnets"``) for its attack as trained, target label and trigger included
        (``session.config.attack``); an :class:`AttackConfig` for any other trigger. Another kind alone raises
        ValueError: the target label it would measure is a guess.
        """
        c = self._client
        request = _results.evaluate_request(self.id, dataset, attack, self.config.attack)
        return _results.evaluation_from_proto(c._unary(c._results.Evaluate, request, timeout))

    def plot(self, live: Optional[bool] = None, path: Optional[str] = None, *, timeout: Optional[float] = None):
        """Plots the training loss per step and the clean accuracy / attack success rate per epoch.

        In Jupyter (``live`` None or True) it displays a plot that follows the session from a background
        thread, so the kernel stays free, and returns a handle whose ``join()`` waits for the final frame
        (:meth:`wait` joins it too). Elsewhere it draws what has been recorded so far and returns the
        matplotlib Figure (``plt.show()`` to see it); ``path`` also saves it. Needs ``ablserve[notebook]``.
        """
        if live is None:
            live = in_jupyter()
        if live:
            handle = _plot.LivePlot(self, timeout)
            self._live_plots.append(handle.thread)
            return handle
        return _plot.static_plot(self, path, timeout)

    def _events(self, from_sequence: int, follow: bool, timeout: Optional[float]) -> Iterator[Event]:
        request = pb.WatchSessionRequest(session_id=self.id, from_sequence=from_sequence, follow=follow)
        call = self._client._watch(request, timeout)
        try:
            with translated(self._client.address):
                for message in call:
                    event = _events.from_proto(message)
                    if isinstance(event, StateChange):
                        self.state = event.state
                    if event is not None:
                        yield event
        finally:
            call.cancel()

    def _interrupted(self, on_interrupt: str) -> None:
        if self.done:
            return
        cancel = on_interrupt == "cancel"
        if on_interrupt == "ask":
            cancel = True
            if sys.stdin is not None and sys.stdin.isatty():
                try:
                    cancel = input(f"\ncancel remote session {self.id}? [Y/n] ").strip().lower() not in ("n", "no")
                except (KeyboardInterrupt, EOFError):
                    cancel = True
        if not cancel:
            print(f"session {self.id} keeps running on the server; client.session({self.id!r}) finds it again",
                  file=sys.stderr)
            return
        try:
            self.cancel(wait=False)  # a second Ctrl-C must not land in a wait
            print(f"cancelled remote session {self.id}", file=sys.stderr)
        except AblError as e:
            if e.code != grpc.StatusCode.FAILED_PRECONDITION:  # not "already finished"
                print(f"could not cancel remote session {self.id}: {e}", file=sys.stderr)

    def __repr__(self) -> str:
        return f"Session(id={self.id!r}, state={self.state!r}, phase={self.phase!r}, epoch={self.epoch})"

    def _repr_html_(self) -> str:
        """The snapshot as a table in Jupyter; :meth:`refresh` and display it again for the current one."""
        c = self.config
        attack = "none" if c.attack.kind == "none" else (
            f"{c.attack.kind}, target {c.attack.target_label}, poison rate {c.attack.poison_rate:g}")
        rows = [("id", self.id), ("name", c.display_name or "-"), ("state", self.state)]
        if self.state == "queued":
            rows.append(("queue position", self.queue_position))
        if self.phase:
            rows.append(("phase", self.phase))
        # Retraining after an unconfirmed check adds the isolation epochs before it.
        total = c.abl.epochs + (c.abl.isolation_epochs if self.phase == "retraining" else 0)
        if self.state == "running":
            rows.append(("epoch", f"{self.epoch} (counted from 0) of {total}"))
        elif not self.state == "queued":
            rows.append(("epochs done", self.epoch))
        rows += [
                 ("dataset", c.dataset.name), ("model", c.model), ("attack", attack),
                 ("defense", c.abl.defense)]
        if self.result is not None:
            rows += [("clean accuracy", self.result.clean_accuracy),
                     ("attack success rate", self.result.attack_success_rate)]
        if self.failure_reason:
            rows.append(("failure", self.failure_reason))
        rows += [("created", self.created_at or "-"), ("device", self.device or "-"), ("slot", self.slot or "-"),
                 ("owner", self.owner or "-")]
        return html_table(f"ablserve session {self.id}", rows)


def _check_on_interrupt(value: str) -> None:
    if value not in ON_INTERRUPT:
        raise ValueError(f"on_interrupt must be one of {ON_INTERRUPT}, got {value!r}")
