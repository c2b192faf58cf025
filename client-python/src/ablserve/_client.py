from __future__ import annotations

import os
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import grpc
import pandas as pd

from . import _datasets, _sweep
from ._config import SessionConfig
from ._datasets import Dataset
from ._errors import AblError, translated
from ._proto.v1 import datasets_pb2 as datasets_pb
from ._proto.v1 import datasets_pb2_grpc as datasets_grpc
from ._proto.v1 import results_pb2_grpc as results_grpc
from ._proto.v1 import session_pb2 as pb
from ._proto.v1 import session_pb2_grpc as pb_grpc
from ._session import Session
from ._sweep import Sweep

DEFAULT_PORT = 50051
DEFAULT_ADDRESS = f"127.0.0.1:{DEFAULT_PORT}"


class Client:
    """A connection to an ablserve server.

    ``address`` is ``host:port``, or a host alone for port 50051; ``token`` is sent as ``authorization: Bearer <token>`` on every call;
    ``timeout`` (seconds) is the deadline of each unary call unless the call passes its own ``timeout=``;
    ``tls`` is False (plaintext), True (TLS with the system's roots) or a ``grpc.ChannelCredentials``.
    Use it as a context manager, or call :meth:`close`. Every failed call raises :class:`AblError`.
    """

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        token: Optional[str] = None,
        timeout: float = 30.0,
        tls: Union[bool, grpc.ChannelCredentials] = False,
    ):
        self.address = address = with_default_port(address)
        self.timeout = timeout
        token = token if token is not None else _token_from_environment()
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        if tls is False:
            self._channel = grpc.insecure_channel(address)
        else:
            credentials = grpc.ssl_channel_credentials() if tls is True else tls
            self._channel = grpc.secure_channel(address, credentials)
        self._sessions = pb_grpc.SessionServiceStub(self._channel)
        self._datasets = datasets_grpc.DatasetServiceStub(self._channel)
        self._results = results_grpc.ResultsServiceStub(self._channel)

    def create_session(self, config: Optional[SessionConfig] = None, *, priority: int = 0,
                       timeout: Optional[float] = None) -> Session:
        """Queues a training session and returns it at once (state "queued"), its config resolved by the server.

        The fields of ``config`` (default: ``SessionConfig()``) that are set are sent, the others left to the
        server's defaults (``session.config`` says which values it used); an invalid one raises AblError
        INVALID_ARGUMENT naming the field and its allowed range. ``priority`` (-100 to 100) orders the queue:
        the highest trains next; within a priority users take turns, each user's sessions first come first
        served; a running session is never preempted. A full queue, or a user who already has the server's ``--max-queued-per-user`` sessions
        queued, raises AblError RESOURCE_EXHAUSTED.
        """
        request = pb.CreateSessionRequest(config=(config or SessionConfig()).to_proto(), priority=priority)
        return Session(self, self._unary(self._sessions.CreateSession, request, timeout))

    def sweep(self, *, attacks: Optional[Sequence[str]] = None, rates: Optional[Sequence[float]] = None,
              seeds: Optional[Sequence[int]] = None, defenses: Sequence[str] = ("none", "abl"),
              targets: Optional[Sequence[int]] = None, base: Optional[SessionConfig] = None, priority: int = 0,
              name: Optional[str] = None, timeout: Optional[float] = None) -> Sweep:
        """Queues one session per cell of the grid ``attacks`` x ``rates`` x ``targets`` x ``seeds`` x
        ``defenses`` (attack kinds, poison rates, target labels, seeds, "none"/"abl"), each ``base`` (default
        ``SessionConfig()``) with the cell's values; a dimension left None takes ``base``'s value (where ``base``
        leaves it unset too, the server's default, from :meth:`session_defaults`, so every cell is named before
        it is created), and attack "none" gets one cell whatever the rates. Returns a :class:`Sweep`.

        Each cell is created with a request_id derived from ``name`` and its config, so calling this again with
        the same name, grid and base (from any client, after a kernel restart) returns the same sessions, in
        their current state, and queues only cells that are new; no name picks a random one (``sweep.name``).
        A failure partway (say RESOURCE_EXHAUSTED from a full queue) leaves the cells created so far; the same
        call later creates the rest. ``priority`` and ``timeout`` as for :meth:`create_session`, per session.
        """
        return _sweep.create(self, attacks=attacks, rates=rates, seeds=seeds, defenses=defenses, targets=targets,
                             base=base, priority=priority, name=name, timeout=timeout)

    def session(self, session_id: str, *, timeout: Optional[float] = None) -> Session:
        """An existing session, by its id or a prefix of it that only one session's id starts with, as listings
        show them. AblError NOT_FOUND when no id starts with it; INVALID_ARGUMENT, listing the candidates, when
        several do."""
        try:
            return Session(self, self._unary(self._sessions.GetSession,
                                             pb.GetSessionRequest(session_id=session_id), timeout))
        except AblError as e:
            if e.code != grpc.StatusCode.NOT_FOUND or not session_id:
                raise
            not_found = e
        matches = [s for s in self._unary(self._sessions.ListSessions, pb.ListSessionsRequest(), timeout).sessions
                   if s.id.startswith(session_id)]
        if not matches:
            raise not_found
        if len(matches) > 1:
            raise AblError(grpc.StatusCode.INVALID_ARGUMENT,
                           f"session id prefix {session_id!r} is ambiguous: {len(matches)} sessions start with it"
                           f" ({', '.join(s.id for s in matches)}); give more of the id")
        return Session(self, matches[0])

    def sessions(self, *, timeout: Optional[float] = None) -> List[Session]:
        """Every session the server knows, newest first (fetched a page at a time; ``timeout`` is per page)."""
        pages = _pages(lambda token: self._unary(self._sessions.ListSessions,
                                                 pb.ListSessionsRequest(page_token=token), timeout))
        return [Session(self, s) for page in pages for s in page.sessions]

    def delete_session(self, session_id: str, *, timeout: Optional[float] = None) -> None:
        """Deletes a finished session with its events, checkpoints and model (AblError FAILED_PRECONDITION
        while it is queued or running: cancel it first)."""
        self._unary(self._sessions.DeleteSession, pb.DeleteSessionRequest(session_id=session_id), timeout)

    def upload_dataset(self, x, y=None, x_test=None, y_test=None, *, name: str, progress: bool = True,
                       timeout: Optional[float] = None) -> Dataset:
        """Uploads a dataset and returns it as the server loaded it (train on it with
        ``DatasetConfig(name=dataset.id)``).

        Either numpy arrays ``x, y, x_test, y_test`` (images uint8 of shape (N, H, W) or (N, H, W, C), labels
        integers of shape (N,)), sent as an .npz, or ``x`` a path: an .npz holding x_train, y_train, x_test and
        y_test, a .zip of a dataset folder, or the folder itself (IDX, CIFAR-10, GTSRB, npz or ImageFolder
        layout), zipped on the fly. The bytes stream in 1 MiB chunks with a tqdm bar and a SHA-256 the server
        checks. The server validates the data: a wrong dtype or mismatched lengths raise AblError
        INVALID_ARGUMENT with its description; RESOURCE_EXHAUSTED above its upload limit. ``timeout`` defaults
        to none (large uploads take long).
        """
        if isinstance(x, (str, os.PathLike)):
            if not (y is None and x_test is None and y_test is None):
                raise TypeError("upload_dataset(path) takes no arrays")
            data, fmt = _datasets.open_file(x)
        else:
            if y is None or x_test is None or y_test is None:
                raise TypeError("upload_dataset needs x, y, x_test and y_test arrays (or a path)")
            data, fmt = _datasets.pack_arrays(x, y, x_test, y_test), datasets_pb.UPLOAD_FORMAT_NPZ
        with data:
            requests = _datasets.upload_requests(data, fmt, name, progress)
            with translated(self.address):
                response = self._datasets.UploadDataset(requests, timeout=timeout, metadata=self._metadata)
        return _datasets.dataset_from_proto(response)

    def datasets(self, *, timeout: Optional[float] = None) -> List[Dataset]:
        """The datasets this user may train on: the server's configured ones by name (``kind`` "configured"),
        then those this user uploaded, newest first (``kind`` "uploaded"); both fetched a page at a time.
        ``pandas.DataFrame(client.datasets())`` tabulates them."""
        try:
            configured = [d for page in _pages(lambda token: self._unary(
                              self._datasets.ListConfiguredDatasets,
                              datasets_pb.ListConfiguredDatasetsRequest(page_token=token), timeout))
                          for d in page.datasets]
        except AblError as e:
            if e.code != grpc.StatusCode.UNIMPLEMENTED:
                raise
            configured = []  # a server older than ListConfiguredDatasets
        pages = _pages(lambda token: self._unary(self._datasets.ListDatasets,
                                                 datasets_pb.ListDatasetsRequest(page_token=token), timeout))
        return ([_datasets.dataset_from_proto(d, "configured") for d in configured]
                + [_datasets.dataset_from_proto(d) for page in pages for d in page.datasets])

    def delete_dataset(self, dataset_id: str, *, timeout: Optional[float] = None) -> None:
        """Removes an uploaded dataset (FAILED_PRECONDITION while a queued or running session uses it)."""
        self._unary(self._datasets.DeleteDataset, datasets_pb.DeleteDatasetRequest(dataset_id=dataset_id), timeout)

    def session_defaults(self, *, timeout: Optional[float] = None) -> Optional[SessionConfig]:
        """The server's defaults as a :class:`SessionConfig`: what it fills each field a config leaves None with
        (its default dataset and device included), the baseline defences' sections all set; for values that
        depend on other fields, those of the defaults (``attack.cl_epsilon``, which depends on the dataset's
        images, stays None). To show or tabulate the defaults before creating a session; a created session's
        ``config`` says what it used. None from a server older than the field."""
        response = self._unary(self._sessions.ListDevices, pb.ListDevicesRequest(), timeout)
        return SessionConfig.from_proto(response.session_defaults) if response.HasField("session_defaults") else None

    def devices(self, *, timeout: Optional[float] = None) -> pd.DataFrame:
        """The server's device slots, one row each in configuration order: ``slot``, ``device`` (``cpu`` or
        ``gpu:N``), ``threads`` (a CPU slot's; 0: all cores), ``busy``, ``session_id`` (the session training
        there, for its owner and admins; empty otherwise), ``worker_pid``, and while a session trains (0
        otherwise) ``resident_bytes`` (the memory of the process training it), ``gpu_memory_used_bytes`` and
        ``gpu_memory_total_bytes`` (a GPU's, every process's). ``df.attrs``: ``isolation`` (``inline``,
        ``process`` or ``kubernetes``) and ``queued`` (sessions waiting for a slot, every user's; None from an
        older server)."""
        response = self._unary(self._sessions.ListDevices, pb.ListDevicesRequest(), timeout)
        frame = pd.DataFrame(
            [(s.name, s.device, s.threads, s.busy, s.session_id, s.worker_pid, s.resident_bytes,
              s.gpu_memory_used_bytes, s.gpu_memory_total_bytes) for s in response.slots],
            columns=["slot", "device", "threads", "busy", "session_id", "worker_pid", "resident_bytes",
                     "gpu_memory_used_bytes", "gpu_memory_total_bytes"])
        frame.attrs["isolation"] = response.isolation
        frame.attrs["queued"] = response.queued_sessions if response.HasField("queued_sessions") else None
        return frame

    def load(self, *, timeout: Optional[float] = None) -> Tuple[int, int]:
        """``(queued, running)``: how many sessions wait for this server's slots and how many train, every
        user's whatever the token (counts only). From a server older than that count, only the sessions this
        client's token can see: all of them without a token file or for an admin token, this user's otherwise.
        """
        return self._load(timeout)[:2]

    def _load(self, timeout: Optional[float]) -> Tuple[int, int, int]:
        """``(queued, running, slots)``, as :meth:`load` counts them."""
        response = self._unary(self._sessions.ListDevices, pb.ListDevicesRequest(), timeout)
        slots = max(1, len(response.slots))
        if response.HasField("queued_sessions"):
            return response.queued_sessions, sum(1 for slot in response.slots if slot.busy), slots
        states = [s.state for s in self.sessions(timeout=timeout)]
        return states.count("queued"), states.count("running"), slots

    def close(self) -> None:
        """Closes the channel; open streams end."""
        self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.address!r})"

    def _unary(self, method, request, timeout: Optional[float]):
        with translated(self.address):
            return method(request, timeout=self.timeout if timeout is None else timeout, metadata=self._metadata)

    def _watch(self, request: pb.WatchSessionRequest, timeout: Optional[float]) -> Iterator[pb.SessionEvent]:
        """The raw event stream; ``timeout`` None means no deadline (a session may train for hours)."""
        return self._sessions.WatchSession(request, timeout=timeout, metadata=self._metadata)


def with_default_port(address: str) -> str:
    """``address`` with port 50051 when it names a host alone ("localhost", "10.0.0.5", "[::1]", "::1");
    a gRPC target with a scheme ("dns:///host:1234", "unix:/path") is left as it is."""
    if not address or "/" in address or address.startswith(("unix:", "dns:", "ipv4:", "ipv6:")):
        return address
    if address.startswith("["):
        return address if "]:" in address else f"{address}:{DEFAULT_PORT}"
    if address.count(":") > 1:  # a bare IPv6 address
        return f"[{address}]:{DEFAULT_PORT}"
    return address if ":" in address else f"{address}:{DEFAULT_PORT}"


def _pages(fetch) -> Iterator:
    """The responses of a List call from its first page to its last, following next_page_token."""
    token = ""
    while True:
        page = fetch(token)
        yield page
        token = page.next_page_token
        if not token:
            return


def _token_from_environment() -> Optional[str]:
    """``ABLSERVE_TOKEN``, else the first token of the file ``ABLSERVE_TOKEN_FILE`` names (the server's
    ``TOKEN USER [admin]`` format, as compose mounts it into JupyterLab), else None."""
    token = os.environ.get("ABLSERVE_TOKEN")
    if token:
        return token
    path = os.environ.get("ABLSERVE_TOKEN_FILE")
    if path and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    return line.split()[0]
    return None
