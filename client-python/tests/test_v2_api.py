"""The v2 API (one message per defence and per attack, in oneofs) from Python's generated stubs, against the real
server: a session created through v2 reads the same through the client, which speaks v1."""
from __future__ import annotations

import grpc
import pytest

from ablserve._proto.v1 import session_pb2 as v1
from ablserve._proto.v2 import session_pb2 as v2
from ablserve._proto.v2 import session_pb2_grpc as v2_grpc


@pytest.fixture()
def sessions_v2(server_address):
    with grpc.insecure_channel(server_address) as channel:
        yield v2_grpc.SessionServiceStub(channel)


def test_createdThroughV2_isEchoedWithItsOwnOptions_andReadsTheSameThroughTheClient(sessions_v2, client):
    config = v2.SessionConfig(
        display_name="v2 fine-pruning",
        dataset=v1.DatasetSpec(name="fashion-mnist", train_limit=1000, test_limit=200),
        training=v2.Training(epochs=200, batch_size=64),
        fp=v2.FinePruningDefense(fine_pruning=v1.FinePruning(max_prune_ratio=0.5)),
        attack=v2.AttackSpec(target_label=2, blend=v2.Blend(alpha=0.3)),
    )
    created = sessions_v2.CreateSession(v2.CreateSessionRequest(config=config), timeout=30)
    try:
        echo = created.config
        assert echo.WhichOneof("defense") == "fp" and echo.WhichOneof("defense") == config.WhichOneof("defense")
        assert echo.fp.fine_pruning.max_prune_ratio == 0.5
        assert echo.fp.fine_pruning.HasField("max_accuracy_drop")  # the server's default, echoed
        assert echo.fp.fine_tuning.epochs == 10
        assert echo.training.epochs == 200 and echo.training.HasField("learning_rate")
        assert echo.attack.WhichOneof("trigger") == "blend" and echo.attack.blend.alpha == pytest.approx(0.3)

        read = client.session(created.id)
        assert read.config.abl.defense == "fp"
        assert read.config.abl.epochs == 200
        assert read.config.attack.kind == "blend" and read.config.attack.blend_alpha == pytest.approx(0.3)
        assert read.config.attack.target_label == 2
        assert read.config.fine_pruning.max_prune_ratio == 0.5
    finally:
        sessions_v2.CancelSession(v2.CancelSessionRequest(session_id=created.id), timeout=30)


def test_defaultsPerDefence_andAnUnknownDefence_isInvalidArgument(sessions_v2):
    nad = sessions_v2.GetSessionDefaults(v2.GetSessionDefaultsRequest(defense="nad"), timeout=30)
    assert nad.WhichOneof("defense") == "nad" and nad.nad.nad.teacher_epochs > 0
    with pytest.raises(grpc.RpcError) as refused:
        sessions_v2.GetSessionDefaults(v2.GetSessionDefaultsRequest(defense="bogus"), timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "defense must be one of [none, abl, ft, fp, nad, mcr]" in refused.value.details()
