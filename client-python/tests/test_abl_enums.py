"""The ABL enums mapped by name (isolation signal, suspect treatment) from Python: every value the API knows is
accepted, sent and echoed by the real server; an unknown one is refused naming the field; sweeps made before the
field keep their request ids."""
from __future__ import annotations

import grpc
import pytest

import ablserve
from ablserve import _sweep
from conftest import long_config

# Each field, every value the API has (written out: the client reads its choices from the API's enum, so a
# list taken from there would pass whatever it held), an unknown value and the start of the refusal's choices.
ENUMS = [
    ("isolation_signal", ("loss", "loss_drop", "transform_sensitivity", "spectral", "combined"), "entropy",
     "'loss', 'loss_drop'"),
    ("suspect_treatment", ("drop", "pseudo_label"), "relabel", "'drop', 'pseudo_label'"),
]
# What older clients trained with: no trigger probe, and the check's suspects dropped (test_sweep pins the id).
OLDER_ID = "a8641bc9-c821-5dc8-8b59-9753dea935b9"


@pytest.mark.parametrize("field,values,unknown,choices", ENUMS)
def test_everyValueOfTheApi_isSentAndEchoedByTheServer(client, field, values, unknown, choices):
    assert getattr(ablserve.AblConfig(), field) is None  # unset: the server's default
    for value in values:
        config = long_config(f"{field} {value}")
        setattr(config.abl, field, value)
        session = client.create_session(config, priority=-100)
        try:
            assert getattr(session.config.abl, field) == value
        finally:
            session.cancel()


@pytest.mark.parametrize("field,values,unknown,choices", ENUMS)
def test_anUnknownValue_isRefusedNamingTheFieldAndTheChoices(client, field, values, unknown, choices):
    config = ablserve.SessionConfig()
    setattr(config.abl, field, unknown)
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(config)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert f"abl.{field} must be one of {choices}" in str(refused.value)


@pytest.mark.parametrize("field,other", [("isolation_signal", "spectral"), ("suspect_treatment", "pseudo_label")])
def test_requestIds_leaveWhatOlderClientsTrainedWithOut_andChangeWithAnother(field, other):
    older = ablserve.SessionConfig()
    older.abl.trigger_probe = False
    older.abl.suspect_treatment = "drop"
    assert _sweep.request_id("grid", older) == OLDER_ID
    setattr(older.abl, field, other)
    assert _sweep.request_id("grid", older) != OLDER_ID
