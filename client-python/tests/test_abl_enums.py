"""The ABL enums mapped by name (isolation signal, suspect treatment) from Python: every value the API knows is
accepted, sent and echoed by the real server; an unknown one is refused naming the field; sweeps made before the
field keep their request ids."""
from __future__ import annotations

import grpc
import pytest

import ablserve
from ablserve import _sweep
from conftest import long_config


def test_everySignalOfTheApi_isSentAndEchoedByTheServer(client):
    assert ablserve.AblConfig().isolation_signal is None  # unset: the server's default
    for signal in ("loss", "loss_drop", "transform_sensitivity", "spectral", "combined"):
        config = long_config(f"signal {signal}")
        config.abl.isolation_signal = signal
        session = client.create_session(config, priority=-100)
        try:
            assert session.config.abl.isolation_signal == signal
        finally:
            session.cancel()


def test_anUnknownSignal_isRefusedNamingTheFieldAndTheChoices(client):
    config = ablserve.SessionConfig()
    config.abl.isolation_signal = "entropy"
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(config)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "abl.isolation_signal must be one of 'loss', 'loss_drop'" in str(refused.value)


def test_requestIds_leaveTheDefaultSignalOut_andChangeWithAnother():
    unprobed = ablserve.SessionConfig()
    unprobed.abl.trigger_probe = False
    # The id ablserve gave before the field existed (test_sweep pins it too).
    assert _sweep.request_id("grid", unprobed) == "a8641bc9-c821-5dc8-8b59-9753dea935b9"
    unprobed.abl.isolation_signal = "spectral"
    assert _sweep.request_id("grid", unprobed) != "a8641bc9-c821-5dc8-8b59-9753dea935b9"


def test_everySuspectTreatment_isSentAndEchoedByTheServer(client):
    assert ablserve.AblConfig().suspect_treatment is None  # unset: the server's default, whichever it is
    for treatment in ("drop", "pseudo_label"):
        config = long_config(f"suspects {treatment}")
        config.abl.suspect_treatment = treatment
        session = client.create_session(config, priority=-100)
        try:
            assert session.config.abl.suspect_treatment == treatment
        finally:
            session.cancel()


def test_anUnknownSuspectTreatment_isRefusedNamingTheFieldAndTheChoices(client):
    config = ablserve.SessionConfig()
    config.abl.suspect_treatment = "relabel"
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(config)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "abl.suspect_treatment must be one of 'drop', 'pseudo_label'" in str(refused.value)


def test_requestIds_leaveTheDefaultTreatmentOut_andChangeWithAnother():
    unprobed = ablserve.SessionConfig()
    unprobed.abl.trigger_probe = False
    assert _sweep.request_id("grid", unprobed) == "a8641bc9-c821-5dc8-8b59-9753dea935b9"
    unprobed.abl.suspect_treatment = "pseudo_label"
    assert _sweep.request_id("grid", unprobed) != "a8641bc9-c821-5dc8-8b59-9753dea935b9"
