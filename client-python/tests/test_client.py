import dataclasses
import socket
import time

import grpc
import pytest

import ablserve
from ablserve import _config
from ablserve._proto.v1 import session_pb2 as pb
from conftest import long_config

PUBLIC = {
    "AblConfig", "AblError", "AttackConfig", "BackdoorCheckResult", "BackdoorVerdict", "CleanDataConfig",
    "Client", "Dataset", "DatasetConfig", "EpochSummary", "Evaluation", "FilterResult", "FinalResult",
    "FinePruningConfig", "FineTuningConfig", "IsolationResult", "McrConfig", "NadConfig", "PhaseChange",
    "SampleImage", "Samples", "Session", "SessionConfig", "StateChange", "StepMetrics", "Sweep", "SweepCell",
    "TriggerProbeResult", "least_loaded",
}


def test_publicSurface_isWhatAllLists():
    assert set(ablserve.__all__) == PUBLIC
    assert all(hasattr(ablserve, name) for name in ablserve.__all__)


def test_client_isAContextManager(server_address):
    with ablserve.Client(server_address, timeout=5) as client:
        assert isinstance(client.sessions(), list)
    with pytest.raises(ValueError):  # grpc refuses calls on a closed channel
        client.sessions()


def test_unsetFields_areNotSent_andTheEchoCarriesWhatTheServerChose(client):
    config = ablserve.SessionConfig(display_name="defaults")
    config.abl.epochs = 20
    config.attack.kind = "Blend"
    config.model = "SMALL-CNN"
    sent = config.to_proto()
    # Only what was set travels: every other field is the server's to choose.
    assert [f.name for f, _ in sent.abl.ListFields()] == ["epochs"]
    assert [f.name for f, _ in sent.attack.ListFields()] == ["kind"]
    assert sent.attack.kind == pb.ATTACK_KIND_BLEND and sent.model.arch == pb.MODEL_ARCH_SMALL_CNN
    assert not sent.HasField("seed") and not sent.abl.HasField("learning_rate") and sent.dataset.name == ""
    assert not any(sent.HasField(f) for f in ("clean_data", "fine_tuning", "fine_pruning", "nad", "mcr"))

    session = client.create_session(config, priority=-100)
    try:
        resolved = session.config
        assert (resolved.abl.epochs, resolved.attack.kind, resolved.model) == (20, "blend", "small_cnn")
        assert resolved.display_name == "defaults"
        # Everything else came back filled by the server, but what an ABL Blend session does not use.
        unused = {("attack", "cl_epsilon")}
        for part in ("dataset", "attack", "abl"):
            for f in dataclasses.fields(getattr(resolved, part)):
                assert (getattr(getattr(resolved, part), f.name) is None) == ((part, f.name) in unused), f.name
        assert resolved.seed is not None and resolved.device == "cpu"
        assert resolved.dataset.name == "fashion-mnist"
        assert resolved.abl.suspect_treatment in _config.choices("abl.suspect_treatment")
        assert resolved.clean_data is None and resolved.fine_tuning is None  # "abl" uses neither
        # The echo round-trips: sent back, it is the same config, every value explicit.
        assert ablserve.SessionConfig.from_proto(resolved.to_proto()) == resolved
        assert session.refresh().config == resolved
    finally:
        session.cancel()


def test_sessionDefaults_areWhatTheServerResolvesAnUnsetConfigTo(client):
    defaults = client.session_defaults()
    assert defaults.abl.epochs is not None and defaults.attack.kind in _config.choices("attack.kind")
    assert defaults.dataset.name == "fashion-mnist" and defaults.device == "cpu"
    assert None not in dataclasses.astuple(defaults.fine_tuning) + dataclasses.astuple(defaults.mcr)
    session = client.create_session(ablserve.SessionConfig(display_name="defaults"), priority=-100)
    try:
        resolved = session.config
        expected = dataclasses.replace(defaults, display_name="defaults", clean_data=None, fine_tuning=None,
                                       fine_pruning=None, nad=None, mcr=None)
        assert resolved == expected
    finally:
        session.cancel()
    ft = ablserve.SessionConfig(abl=ablserve.AblConfig(defense="ft"), display_name="ft defaults")
    session = client.create_session(ft, priority=-100)
    try:
        assert (session.config.clean_data, session.config.fine_tuning) == (defaults.clean_data, defaults.fine_tuning)
    finally:
        session.cancel()


def test_createSession_returnsQueuedSessionWithResolvedConfig(client):
    config = long_config("create")
    session = client.create_session(config)
    try:
        assert session.state in ("queued", "running")
        assert session.id
        assert session.config.abl.epochs == 200
        assert session.config.dataset == config.dataset
        assert session.created_at is not None
        assert session.result is None
    finally:
        session.cancel()


def test_createSession_queuesByPriorityAndRejectsOneOutOfRange(client):
    first = client.create_session(long_config("priority-first"))
    low = client.create_session(long_config("priority-low"), priority=-1)
    high = client.create_session(long_config("priority-high"), priority=3)
    try:
        assert (first.priority, low.priority, high.priority) == (0, -1, 3)
        # Created last, high trains before low: -1 (running) or a smaller position, never behind it.
        assert low.refresh().queue_position > high.refresh().queue_position
        with pytest.raises(ablserve.AblError) as raised:
            client.create_session(long_config("priority-too-high"), priority=101)
        assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert raised.value.description == "priority must be in [-100, 100], got 101"
    finally:
        for session in (high, low, first):
            session.cancel()


def test_sessionAndSessions_findCreatedSessions(client):
    session = client.create_session(long_config("lookup"))
    try:
        assert client.session(session.id).config == session.config
        listed = client.sessions()
        assert session.id in [s.id for s in listed]
        assert listed == sorted(listed, key=lambda s: s.created_at, reverse=True)
    finally:
        session.cancel()


def test_sessions_takesEveryPage_andDeleteRemovesFinishedSessionsOnly(client):
    created = [client.create_session(long_config(f"paged {i}")) for i in range(3)]
    with pytest.raises(ablserve.AblError) as raised:
        created[0].delete()
    assert raised.value.code == grpc.StatusCode.FAILED_PRECONDITION
    for session in created:
        session.cancel()
        assert session.wait(progress=False, timeout=120).state == "cancelled"
    listed = [s.id for s in client.sessions()]
    assert len(listed) > 2, "more than one page of 2"
    assert len(listed) == len(set(listed)), "no session twice across pages"
    assert [s.id for s in reversed(created)] == [i for i in listed if i in {s.id for s in created}]

    created[0].delete()
    for session in created[1:]:
        client.delete_session(session.id)
    remaining = {s.id for s in client.sessions()}
    assert not remaining & {s.id for s in created}
    with pytest.raises(ablserve.AblError) as raised:
        client.session(created[0].id)
    assert raised.value.code == grpc.StatusCode.NOT_FOUND


def test_cancel_returnsOnceTheSessionIsCancelledAndRefusesTwice(client):
    session = client.create_session(long_config("cancel"))
    assert session.cancel(timeout=60).state == "cancelled"
    assert client.session(session.id).state == "cancelled"
    with pytest.raises(ablserve.AblError) as raised:
        session.cancel()
    assert raised.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert raised.value.description


def test_cancel_withoutWait_returnsAsSoonAsTheServerTookIt(client):
    session = client.create_session(long_config("cancel, no wait"))
    # Still "queued" where a trainer had just taken it and its RUNNING was not yet stored: the cancel then
    # lands before training starts.
    assert session.cancel(wait=False).state in ("queued", "running", "cancelled")
    assert session.wait(progress=False, timeout=120).state == "cancelled"


def test_session_takesAUniquePrefixOfTheId(client):
    session = client.create_session(long_config("prefix"))
    try:
        assert client.session(session.id[:8]).id == session.id
    finally:
        session.cancel(timeout=60)


def test_addressWithoutPort_meansTheDefaultPort():
    from ablserve._client import with_default_port

    assert with_default_port("localhost") == "localhost:50051"
    assert with_default_port("10.0.0.5") == "10.0.0.5:50051"
    assert with_default_port("trainer:6000") == "trainer:6000"
    assert with_default_port("[::1]") == "[::1]:50051" == with_default_port("::1")
    assert with_default_port("[::1]:7000") == "[::1]:7000"
    assert with_default_port("dns:///trainer:6000") == "dns:///trainer:6000"
    with ablserve.Client("localhost") as client:
        assert client.address == "localhost:50051"


def test_unknownSession_raisesNotFoundWithServerDescription(client):
    with pytest.raises(ablserve.AblError) as raised:
        client.session("no-such-session")
    assert raised.value.code == grpc.StatusCode.NOT_FOUND
    assert "no-such-session" in raised.value.description
    assert str(raised.value).startswith("NOT_FOUND: ")


def test_negativeLearningRate_raisesInvalidArgumentWithServerDescription(client):
    config = ablserve.SessionConfig(abl=ablserve.AblConfig(learning_rate=-0.1))
    with pytest.raises(ablserve.AblError) as raised:
        client.create_session(config)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.description == "abl.learning_rate must be in (0, 10], got -0.1"


def test_isolationEpochsNotBelowEpochs_raisesInvalidArgument(client):
    config = ablserve.SessionConfig(abl=ablserve.AblConfig(epochs=3, isolation_epochs=3))
    with pytest.raises(ablserve.AblError) as raised:
        client.create_session(config)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "abl.isolation_epochs" in raised.value.description


def test_unknownAttackName_raisesInvalidArgumentBeforeSending(client):
    config = ablserve.SessionConfig(attack=ablserve.AttackConfig("badnet"))
    with pytest.raises(ablserve.AblError) as raised:
        client.create_session(config)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "attack.kind must be one of" in raised.value.description


def test_timeout_appliesToEveryCall(client):
    with socket.socket() as silent:  # accepts TCP connections (backlog) but never speaks HTTP/2
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with ablserve.Client(f"127.0.0.1:{silent.getsockname()[1]}", timeout=0.3) as unresponsive:
            for call in (unresponsive.sessions, lambda: unresponsive.session("x", timeout=0.2)):
                started = time.monotonic()
                with pytest.raises(ablserve.AblError) as raised:
                    call()
                assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
                assert time.monotonic() - started < 5
    session = client.create_session(long_config("timeout"))
    try:
        with pytest.raises(ablserve.AblError) as raised:
            for _ in session.watch(follow=True, timeout=0.5):
                pass
        assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        session.cancel()


def test_token_isSentAsBearerMetadata(server_address):
    # The server on main does not check tokens yet; the header must not disturb it.
    with ablserve.Client(server_address, token="s3cret") as client:
        assert client._metadata == (("authorization", "Bearer s3cret"),)
        client.sessions()


def test_token_comesFromTheEnvironmentWhenNotGiven(server_address, tmp_path, monkeypatch):
    # compose mounts the server's token file into JupyterLab and names it in ABLSERVE_TOKEN_FILE.
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("# lab tokens\n0123456789abcdef0123 alice admin\nfedcba9876543210fedc bob\n")
    monkeypatch.delenv("ABLSERVE_TOKEN", raising=False)
    monkeypatch.setenv("ABLSERVE_TOKEN_FILE", str(tokens))
    with ablserve.Client(server_address) as client:
        assert client._metadata == (("authorization", "Bearer 0123456789abcdef0123"),)
    monkeypatch.setenv("ABLSERVE_TOKEN", "from-env-0123456789")
    with ablserve.Client(server_address) as client:
        assert client._metadata == (("authorization", "Bearer from-env-0123456789"),)
    with ablserve.Client(server_address, token="explicit-0123456789") as client:
        assert client._metadata == (("authorization", "Bearer explicit-0123456789"),)


def test_datasetConfig_sendsTheNameOnlyWhenSet_leavingTheDefaultToTheServer():
    assert ablserve.DatasetConfig().name is None
    unset = ablserve.SessionConfig(dataset=ablserve.DatasetConfig(train_limit=100)).to_proto()
    assert unset.dataset.name == ""
    assert unset.dataset.train_limit == 100
    assert ablserve.SessionConfig().to_proto().dataset.name == ""
    assert ablserve.SessionConfig(dataset=ablserve.DatasetConfig("ds-1")).to_proto().dataset.name == "ds-1"
    assert ablserve.SessionConfig.from_proto(unset).dataset == ablserve.DatasetConfig(train_limit=100)


def test_sessionConfig_roundTripsThroughProto():
    config = ablserve.SessionConfig(
        attack=ablserve.AttackConfig("wanet", target_label=3, wanet_grid_size=5, label_mode="all_to_all",
                                     cl_epsilon=4.0, cl_all_corners=False, dynamic_generator_epochs=3,
                                     dynamic_mask_epochs=0, dynamic_cross_ratio=0.5, dynamic_mask_density=0.1),
        abl=ablserve.AblConfig(isolation_loss="flooding", unlearning_mode="finetune_then_ascent",
                               ranking="per_class", unlearning_learning_rate=1e-3, suspect_filtering=False,
                               isolation_expansion=True, isolate_early=True),
        model="resnet_18", seed=11, device="cpu", display_name="x")
    assert ablserve.SessionConfig.from_proto(config.to_proto()) == config
    assert dataclasses.replace(config) == config


def test_choices_takeAnyCaseWithUnderscoresOrHyphens_andComeFromTheApiEnums():
    for spelling in ("small_cnn", "small-cnn", "SMALL-CNN", "Small_Cnn"):
        assert ablserve.SessionConfig(model=spelling).to_proto().model.arch == pb.MODEL_ARCH_SMALL_CNN
    assert ablserve.SessionConfig(attack=ablserve.AttackConfig("BadNets")).to_proto().attack.kind == \
        pb.ATTACK_KIND_BADNETS
    abl = ablserve.AblConfig(unlearning_mode="Finetune-Then-Ascent", ranking="PER-CLASS",
                             suspect_treatment="pseudo-label", loss_reduction="per-sample")
    sent = ablserve.SessionConfig(abl=abl).to_proto().abl
    assert (sent.unlearning_mode, sent.ranking, sent.suspect_treatment, sent.loss_reduction) == (
        pb.UNLEARNING_MODE_FINETUNE_THEN_ASCENT, pb.RANKING_PER_CLASS, pb.SUSPECT_TREATMENT_PSEUDO_LABEL,
        pb.LOSS_REDUCTION_PER_SAMPLE)
    # Read back, a choice has its canonical name.
    assert ablserve.SessionConfig.from_proto(ablserve.SessionConfig(abl=abl).to_proto()).abl.ranking == "per_class"
    # Every value of the API's enum is a choice, without the UNSPECIFIED that stands for unset.
    assert _config.choices("attack.kind") == tuple(
        n[len("ATTACK_KIND_"):].lower() for n in pb.AttackKind.keys() if not n.endswith("UNSPECIFIED"))
    with pytest.raises(ablserve.AblError) as refused:
        ablserve.SessionConfig(model="wrn-28-10").to_proto()
    assert "model must be one of 'small_cnn', 'wrn_16_1', 'resnet_18', 'resnet_34', got 'wrn-28-10'" in str(
        refused.value)


def test_fieldDocs_quoteTheServersOwnDefaults(client):
    # The docs say what the server does with a field left None; where they quote a value, it must be the
    # server's (its session_defaults), so a changed server default shows up here, not in users' sessions.
    import ast
    import re

    from ablserve._docs import _field_docs

    defaults = client.session_defaults()
    sections = {ablserve.DatasetConfig: ("dataset", defaults.dataset),
                ablserve.AttackConfig: ("attack", defaults.attack),
                ablserve.AblConfig: ("abl", defaults.abl), ablserve.SessionConfig: (None, defaults),
                ablserve.FineTuningConfig: (None, defaults.fine_tuning),
                ablserve.FinePruningConfig: (None, defaults.fine_pruning), ablserve.NadConfig: (None, defaults.nad),
                ablserve.McrConfig: (None, defaults.mcr)}
    checked = 0
    for cls, (part, resolved) in sections.items():
        for name, doc in _field_docs(cls).items():
            quoted = re.search(r"Server default: (\S+?)[.,]?(?:\s|$)", " ".join(doc.split()))
            if quoted is None:
                continue
            text, value = quoted.group(1), getattr(resolved, name)
            path = name if part is None else f"{part}.{name}"
            if _config.is_choice(path):
                assert _config.canonical(path, text) == value, path
            else:
                try:
                    literal = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    continue  # described, not quoted: "learning_rate for gga", "by the dataset's images"
                assert literal == value, path
            checked += 1
    assert checked > 50
