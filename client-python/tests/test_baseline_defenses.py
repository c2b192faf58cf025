"""The paper's baseline defences from Python: "ft", "fp", "nad" and "mcr" with the trusted clean subset, the
fine-tuning stage, fine-pruning's bounds, NAD's teacher and MCR's curve; unset means the server's default, the resolved config echoes what it chose, and a
defence that does not use them refuses them."""
from __future__ import annotations

import dataclasses

import grpc
import pytest

import ablserve
from ablserve._proto.v1 import session_pb2 as pb
from conftest import long_config


def test_unsetBaselineOptions_areNotSent():
    msg = ablserve.SessionConfig(abl=ablserve.AblConfig(defense="ft")).to_proto()
    assert msg.abl.defense == pb.DEFENSE_FT
    assert not msg.HasField("clean_data")
    assert not msg.HasField("fine_tuning")
    assert not msg.HasField("fine_pruning")


def test_baselineOptions_sendOnlyWhatIsSet_andRoundTrip():
    config = ablserve.SessionConfig(
        abl=ablserve.AblConfig(defense="fp"),
        clean_data=ablserve.CleanDataConfig(count=300),
        fine_tuning=ablserve.FineTuningConfig(epochs=3),
        fine_pruning=ablserve.FinePruningConfig(max_accuracy_drop=0.02))
    msg = config.to_proto()
    assert msg.abl.defense == pb.DEFENSE_FP
    assert msg.clean_data.WhichOneof("size") == "count"
    assert msg.clean_data.count == 300
    assert msg.fine_tuning.epochs == 3
    assert not msg.fine_tuning.HasField("learning_rate")  # the server's default: a tenth of the training rate
    assert msg.fine_pruning.max_accuracy_drop == 0.02
    assert ablserve.SessionConfig.from_proto(msg) == config


def test_nadOptions_sendOnlyWhatIsSet_andRoundTrip():
    config = ablserve.SessionConfig(
        abl=ablserve.AblConfig(defense="nad"),
        fine_tuning=ablserve.FineTuningConfig(epochs=4),
        nad=ablserve.NadConfig(teacher_epochs=2, beta=250.0))
    msg = config.to_proto()
    assert msg.abl.defense == pb.DEFENSE_NAD
    assert msg.nad.teacher_epochs == 2
    assert msg.nad.beta == 250.0
    assert not msg.HasField("clean_data")
    assert not msg.HasField("fine_pruning")
    assert ablserve.SessionConfig.from_proto(msg) == config
    assert not ablserve.SessionConfig(abl=ablserve.AblConfig(defense="nad")).to_proto().HasField("nad")


def test_nadLayers_areSentAsGiven_andRoundTrip():
    config = ablserve.SessionConfig(
        abl=ablserve.AblConfig(defense="nad"), nad=ablserve.NadConfig(layers=["last_conv_stage", "conv2"]))
    msg = config.to_proto()
    assert list(msg.nad.layers) == ["last_conv_stage", "conv2"]
    assert not msg.nad.HasField("beta")
    back = ablserve.SessionConfig.from_proto(msg)
    assert back == config and type(back.nad.layers) is list


def test_nad_resolvesUnsetLayersToTheModelsOwn_andRefusesAnotherModelsNames(client):
    config = long_config("nad layers")
    config.abl.defense = "nad"
    config.model = "wrn_16_1"
    session = client.create_session(config, priority=-100)
    try:
        assert session.config.nad.layers == ["group2", "last_conv_stage"]
    finally:
        session.cancel()
    config.nad = ablserve.NadConfig(layers=["stage3"])
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(config)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert ("nad.layers must name convolutional taps of WRN_16_1, one of stem, group1, group2, group3,"
            " last_conv_stage") in str(refused.value)


def test_mcrOptions_sendOnlyWhatIsSet_andRoundTrip():
    config = ablserve.SessionConfig(
        abl=ablserve.AblConfig(defense="mcr"),
        clean_data=ablserve.CleanDataConfig(fraction=0.1),
        mcr=ablserve.McrConfig(curve_epochs=3, t=0.25))
    msg = config.to_proto()
    assert msg.abl.defense == pb.DEFENSE_MCR
    assert msg.mcr.curve_epochs == 3
    assert msg.mcr.t == 0.25
    assert not msg.HasField("fine_tuning")
    assert not msg.HasField("nad")
    assert ablserve.SessionConfig.from_proto(msg) == config
    assert not ablserve.SessionConfig(abl=ablserve.AblConfig(defense="mcr")).to_proto().HasField("mcr")


def test_nadAndMcr_areLabelledForTheTable1Layout():
    from ablserve._sweep import DEFENSE_LABELS
    assert DEFENSE_LABELS["nad"] == "NAD"
    assert DEFENSE_LABELS["mcr"] == "MCR"


def test_cleanData_takesCountOrFraction_notBoth():
    config = ablserve.SessionConfig(abl=ablserve.AblConfig(defense="ft"),
                                    clean_data=ablserve.CleanDataConfig(count=10, fraction=0.1))
    with pytest.raises(ablserve.AblError) as refused:
        config.to_proto()
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "clean_data takes count or fraction, not both" in str(refused.value)


def test_unknownDefense_isRefusedNamingTheChoices():
    with pytest.raises(ablserve.AblError) as refused:
        ablserve.SessionConfig(abl=ablserve.AblConfig(defense="anp")).to_proto()
    assert "abl.defense must be one of 'abl', 'none', 'ft', 'fp', 'nad', 'mcr', got 'anp'" in str(refused.value)


def test_fp_resolvesUnsetBaselineOptionsToTheServerDefaults(client):
    config = long_config("fine-pruning defaults")
    config.abl.defense = "fp"
    session = client.create_session(config, priority=-100)
    try:
        resolved = session.config
        assert resolved.abl.defense == "fp"
        assert resolved.clean_data == ablserve.CleanDataConfig(fraction=0.05)
        assert resolved.fine_tuning.epochs == 10
        assert resolved.fine_tuning.learning_rate == pytest.approx(resolved.abl.learning_rate / 10)
        assert None not in dataclasses.astuple(resolved.fine_pruning)  # every bound the server's
    finally:
        session.cancel()


def test_nad_resolvesUnsetOptionsToTheServerDefaults(client):
    config = long_config("nad defaults")
    config.abl.defense = "nad"
    session = client.create_session(config, priority=-100)
    try:
        resolved = session.config
        assert resolved.abl.defense == "nad"
        assert resolved.clean_data == ablserve.CleanDataConfig(fraction=0.05)
        assert resolved.fine_tuning.epochs == 10
        assert None not in dataclasses.astuple(resolved.nad)
        assert resolved.fine_pruning is None
    finally:
        session.cancel()


def test_mcr_resolvesUnsetOptionsToTheServerDefaults(client):
    config = long_config("mcr defaults")
    config.abl.defense = "mcr"
    session = client.create_session(config, priority=-100)
    try:
        resolved = session.config
        assert resolved.abl.defense == "mcr"
        assert resolved.clean_data == ablserve.CleanDataConfig(fraction=0.05)
        assert resolved.fine_tuning.epochs == 10
        assert None not in dataclasses.astuple(resolved.mcr)
        assert resolved.nad is None
    finally:
        session.cancel()


def test_baselineOptions_forADefenseThatDoesNotUseThem_areRefused(client):
    config = long_config("abl with clean data")
    config.clean_data = ablserve.CleanDataConfig(count=100)
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(config)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "clean_data is used only by DEFENSE_FT, DEFENSE_FP, DEFENSE_NAD and DEFENSE_MCR" in str(refused.value)


def test_mcrOptions_forAnotherDefense_areRefused(client):
    config = long_config("nad with a curve")
    config.abl.defense = "nad"
    config.mcr = ablserve.McrConfig(t=0.5)
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(config)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "mcr is used only by DEFENSE_MCR; unset it for abl.defense DEFENSE_NAD" in str(refused.value)


def test_fpSession_finesTunesAfterPruning_andItsSavedModelIsThePrunedOne(client):
    config = ablserve.SessionConfig(
        dataset=ablserve.DatasetConfig("fashion-mnist", train_limit=600, test_limit=200),
        attack=ablserve.AttackConfig("badnets", poison_rate=0.1),
        abl=ablserve.AblConfig(defense="fp", epochs=2, isolation_epochs=1, batch_size=64),
        clean_data=ablserve.CleanDataConfig(count=64),
        fine_tuning=ablserve.FineTuningConfig(epochs=1),
        seed=3,
        display_name="pytest fine-pruning")
    session = client.create_session(config).wait(progress=False)
    try:
        assert session.state == "succeeded"
        assert session.result.epochs == 3
        assert session.result.pruned_channels > 0
        epochs = session.metrics()
        assert list(epochs["phase"]) == ["training", "training", "finetuning"]
        assert list(epochs["epoch"]) == [0, 1, 2]
        # The saved model carries no mask: the pruned channels are folded into its classifier, so it
        # evaluates as the session's last epoch did.
        evaluation = session.evaluate(attack="badnets")
        assert evaluation.clean_accuracy == pytest.approx(session.result.clean_accuracy, abs=1e-9)
        assert evaluation.attack_success_rate == pytest.approx(session.result.attack_success_rate, abs=1e-9)
    finally:
        session.delete()


def test_mcrSession_endsAtThePickedPoint_andItsSavedModelEvaluatesAsItsLastEpoch(client):
    config = ablserve.SessionConfig(
        dataset=ablserve.DatasetConfig("fashion-mnist", train_limit=600, test_limit=200),
        attack=ablserve.AttackConfig("badnets", poison_rate=0.1),
        abl=ablserve.AblConfig(defense="mcr", epochs=2, isolation_epochs=1, batch_size=64),
        clean_data=ablserve.CleanDataConfig(count=64),
        fine_tuning=ablserve.FineTuningConfig(epochs=1),
        mcr=ablserve.McrConfig(curve_epochs=1),
        seed=3,
        display_name="pytest mode connectivity")
    session = client.create_session(config).wait(progress=False)
    try:
        assert session.state == "succeeded"
        assert session.result.epochs == 5  # 2 plain, 1 for each endpoint, 1 of the curve
        epochs = session.metrics()
        assert list(epochs["phase"]) == ["training", "training", "finetuning", "finetuning", "finetuning"]
        assert list(epochs["epoch"]) == [0, 1, 2, 3, 4]
        # The saved model is the curve's point t with the BatchNorm statistics recomputed there, so it
        # evaluates as the session's last epoch did.
        evaluation = session.evaluate(attack="badnets")
        assert evaluation.clean_accuracy == pytest.approx(session.result.clean_accuracy, abs=1e-9)
        assert evaluation.attack_success_rate == pytest.approx(session.result.attack_success_rate, abs=1e-9)
    finally:
        session.delete()
