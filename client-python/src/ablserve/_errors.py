from __future__ import annotations

import contextlib
from typing import Iterator

import grpc


class AblError(Exception):
    """A failed ablserve call: the gRPC status ``code`` and the server's ``description`` of what was wrong.

    For example ``AblError(INVALID_ARGUMENT, "abl.learning_rate must be in (0, 10], got -1.0")``. Checks the
    client makes itself (such as asking for the isolation result of a session that has none yet) use the
    code the server would have used.
    """

    def __init__(self, code: grpc.StatusCode, description: str):
        super().__init__(f"{code.name}: {description}")
        self.code = code
        self.description = description


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raises a gRPC failure inside the block as an AblError."""
    try:
        yield
    except grpc.RpcError as e:
        code = e.code() if hasattr(e, "code") else grpc.StatusCode.UNKNOWN
        details = e.details() if hasattr(e, "details") else str(e)
        raise AblError(code, details or "") from None
