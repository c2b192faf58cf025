"""Choosing among several ablserve servers (one per host, say), by their load per slot."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

import grpc

from ._client import Client
from ._errors import AblError


def least_loaded(addresses: Sequence[str], token: Optional[str] = None, timeout: float = 5.0) -> str:
    """The address whose server has the fewest queued plus running sessions per slot (:meth:`Client.load`,
    every user's; a server's slots from ListDevices), so a server with free slots comes before a busy one
    and an 8-slot server with 4 sessions before a 1-slot server with 1; on a tie, the first in ``addresses``.
    Servers are asked in parallel, each within ``timeout`` seconds; those that do not answer (down,
    unreachable, refusing the token) are skipped. AblError UNAVAILABLE, naming each server's failure, when
    none answers.
    """
    addresses = list(addresses)
    if not addresses:
        raise ValueError("least_loaded needs at least one address")

    def ask(address: str):
        with Client(address, token=token, timeout=timeout) as client:
            try:
                queued, running, slots = client._load(None)
                return (queued + running) / slots
            except AblError as e:
                return e

    with ThreadPoolExecutor(max_workers=min(16, len(addresses))) as pool:
        answers = list(pool.map(ask, addresses))
    loads = [(load, i) for i, load in enumerate(answers) if not isinstance(load, AblError)]
    if not loads:
        failures = "; ".join(f"{a}: {e}" for a, e in zip(addresses, answers))
        raise AblError(grpc.StatusCode.UNAVAILABLE, f"no ablserve server answered ({failures})")
    return addresses[min(loads)[1]]
