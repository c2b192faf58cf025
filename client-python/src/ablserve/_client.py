from __future__ import annotations

from typing import Iterator, List, Optional, Union

import grpc

from ._config import SessionConfig
from ._errors import translated
from ._proto.v1 import session_pb2 as pb
from ._proto.v1 import session_pb2_grpc as pb_grpc
from ._session import Session

DEFAULT_ADDRESS = "127.0.0.1:50051"


class Client:
    """A connection to an ablserve server.

    ``address`` is ``host:port``; ``token`` is sent as ``authorization: Bearer <token>`` on every call;
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
        self.address = address
        self.timeout = timeout
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        if tls is False:
            self._channel = grpc.insecure_channel(address)
        else:
            credentials = grpc.ssl_channel_credentials() if tls is True else tls
            self._channel = grpc.secure_channel(address, credentials)
        self._sessions = pb_grpc.SessionServiceStub(self._channel)

    def create_session(self, config: Optional[SessionConfig] = None, *, timeout: Optional[float] = None) -> Session:
        """Queues a training session and returns it at once (state "queued"), its config resolved by the server.

        Every field of ``config`` (default: ``SessionConfig()``) is sent; an invalid one raises AblError
        INVALID_ARGUMENT naming the field and its allowed range.
        """
        request = pb.CreateSessionRequest(config=(config or SessionConfig()).to_proto())
        return Session(self, self._unary(self._sessions.CreateSession, request, timeout))

    def session(self, session_id: str, *, timeout: Optional[float] = None) -> Session:
        """An existing session, by id (AblError NOT_FOUND for an unknown id)."""
        return Session(self, self._unary(self._sessions.GetSession, pb.GetSessionRequest(session_id=session_id),
                                         timeout))

    def sessions(self, *, timeout: Optional[float] = None) -> List[Session]:
        """Every session the server knows, newest first."""
        response = self._unary(self._sessions.ListSessions, pb.ListSessionsRequest(), timeout)
        return [Session(self, s) for s in response.sessions]

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
        with translated():
            return method(request, timeout=self.timeout if timeout is None else timeout, metadata=self._metadata)

    def _watch(self, request: pb.WatchSessionRequest, timeout: Optional[float]) -> Iterator[pb.SessionEvent]:
        """The raw event stream; ``timeout`` None means no deadline (a session may train for hours)."""
        return self._sessions.WatchSession(request, timeout=timeout, metadata=self._metadata)
