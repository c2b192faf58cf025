from __future__ import annotations

import contextlib
from typing import Iterator, Optional

import grpc

# What grpc-core says when nothing listens at the address, the host does not resolve, or the connection is cut.
_NO_SERVER_SIGNS = ("failed to connect", "connection refused", "dns resolution failed", "name resolution",
                    "no route to host")


class AblError(Exception):
    """A failed ablserve call: the gRPC status ``code`` and the server's ``description`` of what was wrong.

    For example ``AblError(INVALID_ARGUMENT, "abl.learning_rate must be in (0, 10], got -1.0")``. Checks the
    client makes itself (such as asking for the isolation result of a session that has none yet) use the
    code the server would have used. When no server answers at the address, the code is UNAVAILABLE and the
    description says so and what to do, gRPC's own wording in parentheses.
    """

    def __init__(self, code: grpc.StatusCode, description: str):
        super().__init__(f"{code.name}: {description}")
        self.code = code
        self.description = description


@contextlib.contextmanager
def translated(address: Optional[str] = None) -> Iterator[None]:
    """Re-raises a gRPC failure inside the block as an AblError; ``address`` names the server in the
    description of a failed connection."""
    try:
        yield
    except grpc.RpcError as e:
        code = e.code() if hasattr(e, "code") else grpc.StatusCode.UNKNOWN
        details = (e.details() if hasattr(e, "details") else str(e)) or ""
        if address is not None and code == grpc.StatusCode.UNAVAILABLE and is_connection_failure(details):
            details = no_server_description(address, details)
        raise AblError(code, details) from None


def is_connection_failure(details: str) -> bool:
    lower = details.lower()
    return any(sign in lower for sign in _NO_SERVER_SIGNS)


def no_server_description(address: str, details: str) -> str:
    return (f"no ablserve server at {address}: is it running? Start one with bin/ablserve-server (it listens"
            f" on port 50051 unless --port says otherwise), or pass the address of a running one ({details})")
