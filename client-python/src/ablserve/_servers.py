"""Choosing among several ablserve servers, as in a lab that runs one server per GPU."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

import grpc

from ._client import Client
from ._errors import AblError


def least_loaded(addresses: Sequence[str], token: Optional[str] = None, timeout: float = 5.0) -> str:
    """The address whose server has the fewest queued plus running sessions (:meth:`Client.load`); on a tie,
    the first in ``addresses``. Servers are asked in parallel, each within ``timeout`` seconds; those that do
    not answer (down, unreachable, refusing the token) are skipped. AblError UNAVAILABLE, naming each
    server's failure, when none answers.

    With a non-admin ``token`` on servers that have a token file, each count covers only this user's
    sessions (see :meth:`Client.load`).
    """
    addresses = list(addresses)
    if not addresses:
        raise ValueError("least_loaded needs at least one address")

    def ask(address: str):
        with Client(address, token=token, timeout=timeout) as client:
            try:
                return sum(client.load())
            except AblError as e:
                return e

    with ThreadPoolExecutor(max_workers=min(16, len(addresses))) as pool:
        answers = list(pool.map(ask, addresses))
    loads = [(load, i) for i, load in enumerate(answers) if not isinstance(load, AblError)]
    if not loads:
        failures = "; ".join(f"{a}: {e}" for a, e in zip(addresses, answers))
        raise AblError(grpc.StatusCode.UNAVAILABLE, f"no ablserve server answered ({failures})")
    return addresses[min(loads)[1]]
