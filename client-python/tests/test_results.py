"""The ResultsService calls (export_model, evaluate, isolation) and the multi-server helper (least_loaded)."""
import json
import math
import socket
import time
from concurrent import futures
from typing import Optional

import grpc
import pytest

import ablserve
from ablserve import _results
from ablserve._proto.v1 import session_pb2 as pb
from ablserve._proto.v1 import session_pb2_grpc as pb_grpc
from conftest import long_config


def test_exportModel_writesTheParamsFileOfTheAnnouncedSizeAndItsMetadata(trained, tmp_path):
    params = trained.export_model(tmp_path / "model", progress=False)

    metadata = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert params == tmp_path / "model" / metadata["paramsFile"]
    assert params.stat().st_size == int(metadata["paramsBytes"]) > 10_000
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == sorted([params.name, "metadata.json"])
    assert metadata["sessionId"] == trained.id and metadata["modelName"] == "model"
    assert metadata["arch"] == "MODEL_ARCH_SMALL_CNN"
    assert (metadata["inputChannels"], metadata["inputHeightPx"], metadata["inputWidthPx"]) == (1, 28, 28)
    assert metadata["numClasses"] == 10 and len(metadata["pixelMean"]) == len(metadata["pixelStd"]) == 1
    assert metadata["cleanAccuracy"] == trained.result.clean_accuracy


def test_exportModel_safetensors_hasPyTorchNamesAndTheNetworkInItsMetadata(trained, tmp_path):
    path = trained.export_model(tmp_path / "model", format="safetensors", progress=False)

    metadata = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert path == tmp_path / "model" / "model.safetensors" == tmp_path / "model" / metadata["safetensorsFile"]
    assert path.stat().st_size == int(metadata["safetensorsBytes"])
    data = path.read_bytes()  # the format: u64 header length, JSON header, tensor bytes
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    info = header.pop("__metadata__")
    assert info["arch"] == "small_cnn" and info["num_classes"] == "10" and info["format"] == "pt"
    assert json.loads(info["input_shape"]) == [1, 28, 28]
    assert json.loads(info["pixel_mean"]) == pytest.approx(metadata["pixelMean"])
    assert json.loads(info["pixel_std"]) == pytest.approx(metadata["pixelStd"])
    assert info["session_id"] == trained.id and info["dataset"] == "fashion-mnist"
    assert header["conv1.weight"]["shape"] == [32, 1, 3, 3] and header["conv1.weight"]["dtype"] == "F32"
    assert header["bn1.running_var"]["shape"] == [32]
    assert header["fc1.weight"]["shape"] == [128, 64 * 7 * 7] and header["fc2.bias"]["shape"] == [10]


def test_exportModel_unknownFormat_raisesValueErrorBeforeSending(trained, tmp_path):
    with pytest.raises(ValueError, match="'djl', 'safetensors'"):
        trained.export_model(tmp_path / "model", format="onnx")
    assert not (tmp_path / "model").exists()


def test_evaluate_onTheSessionsTestSet_reproducesItsFinalFigures(trained):
    clean = trained.evaluate()
    attacked = trained.evaluate(attack=trained.config.attack)

    assert isinstance(clean, ablserve.Evaluation)
    assert 0 <= clean.clean_accuracy <= 1 and math.isnan(clean.attack_success_rate)
    assert (clean.test_size, clean.triggered_size, clean.dataset) == (200, 0, "fashion-mnist")
    assert clean.clean_accuracy == trained.result.clean_accuracy
    assert 0 <= attacked.attack_success_rate <= 1 and 0 < attacked.triggered_size < 200
    assert attacked.attack_success_rate == trained.result.attack_success_rate


def test_evaluate_takesADatasetConfigAndAnAttackKind(trained):
    e = trained.evaluate(dataset=ablserve.DatasetConfig("fashion-mnist", test_limit=50), attack="badnets")
    other = trained.evaluate(dataset=ablserve.DatasetConfig("fashion-mnist", test_limit=50),
                             attack=ablserve.AttackConfig("blend", target_label=3))

    assert e.test_size == other.test_size == 50
    assert 0 <= e.clean_accuracy <= 1 and 0 <= e.attack_success_rate <= 1
    assert 0 <= other.attack_success_rate <= 1


def test_evaluateRequest_attackKindOfTheSession_takesItsTargetAndTrigger():
    trained_with = ablserve.AttackConfig("badnets", target_label=7, patch_size_px=5, poison_rate=0.2)

    request = _results.evaluate_request("s1", None, "badnets", trained_with)

    assert request.attack.kind == pb.ATTACK_KIND_BADNETS
    assert (request.attack.target_label, request.attack.patch_size_px) == (7, 5)


def test_evaluateRequest_anotherAttackKind_isRefusedRatherThanGuessingTheTarget():
    with pytest.raises(ValueError, match=r"target_label=N"):
        _results.evaluate_request("s1", None, "blend", ablserve.AttackConfig("badnets", target_label=7))
    with pytest.raises(ValueError, match=r"trained with attack 'none'"):
        _results.evaluate_request("s1", None, "badnets", ablserve.AttackConfig("none"))


def test_evaluate_unknownAttackKind_raisesInvalidArgumentBeforeSending(trained):
    with pytest.raises(ablserve.AblError) as raised:
        trained.evaluate(attack="rowhammer")
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_resultsOfASessionThatDidNotSucceed_raiseFailedPrecondition(client, tmp_path):
    session = client.create_session(long_config("not succeeded")).cancel()
    for call in (lambda: session.export_model(tmp_path / "new" / "model", progress=False),
                 lambda: session.export_model(tmp_path, progress=False), session.evaluate, session.isolation):
        with pytest.raises(ablserve.AblError) as raised:
            call()
        assert raised.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert list(tmp_path.iterdir()) == []  # no folder made for a model that does not exist


def test_sessionByIdPrefix_findsTheOnlyMatchAndRefusesAnAmbiguousOne(fake_servers):
    (address,) = fake_servers((2, 0))  # sessions q0, q1, done

    with ablserve.Client(address) as client:
        assert client.session("do").id == "done"
        assert client.session("q1").id == "q1"
        with pytest.raises(ablserve.AblError) as ambiguous:
            client.session("q")
        with pytest.raises(ablserve.AblError) as unknown:
            client.session("x")
    assert ambiguous.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "'q' is ambiguous" in ambiguous.value.description and "q0, q1" in ambiguous.value.description
    assert unknown.value.code == grpc.StatusCode.NOT_FOUND


def test_noServerAtTheAddress_saysSoAndWhatToDo():
    address = _unreachable()
    with ablserve.Client(address, timeout=5) as client:
        with pytest.raises(ablserve.AblError) as raised:
            client.sessions()
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    assert raised.value.description.startswith(f"no ablserve server at {address}: is it running?")
    assert "bin/ablserve-server" in raised.value.description


def test_load_countsQueuedAndRunningSessions(client):
    queued, running = client.load()
    assert queued >= 0 and running in (0, 1)


def test_devices_aFrameOfTheSlots_withTheMemoryOfTheProcessTrainingThere(client):
    session = client.create_session(long_config("devices"))
    try:
        deadline = time.monotonic() + 120
        while session.refresh().state != "running":
            assert time.monotonic() < deadline and session.state == "queued", session.state
            time.sleep(0.2)
        devices = client.devices()
    finally:
        session.cancel()

    assert list(devices.columns) == ["slot", "device", "threads", "busy", "session_id", "worker_pid",
                                     "resident_bytes", "gpu_memory_used_bytes", "gpu_memory_total_bytes"]
    assert devices.attrs["isolation"] == "inline" and devices.attrs["queued"] >= 0
    (slot,) = devices.itertuples()  # an inline server: one slot, the server's device
    assert slot.device == "cpu" and slot.busy and slot.session_id == session.id
    assert 64 << 20 < slot.resident_bytes < 64 << 30  # the server's own memory, training the session
    assert slot.gpu_memory_total_bytes == 0
    idle = client.devices()
    assert idle.loc[0, "resident_bytes"] == 0 or idle.loc[0, "busy"]  # another test's session may be next


class _FakeServer(pb_grpc.SessionServiceServicer):
    """A SessionService with a fixed load: ``queued`` sessions waiting and ``running`` training on ``slots``
    slots, of which ListSessions shows ``visible`` (default all, as to an admin). ``counts=False``: a server
    older than ListDevicesResponse.queued_sessions."""

    def __init__(self, queued: int, running: int, slots: int = 1, visible: Optional[int] = None,
                 counts: bool = True):
        self.queued, self.running, self.slots, self.counts = queued, running, slots, counts
        self.resumes = []
        sessions = [pb.Session(id=f"q{i}", state=pb.SESSION_STATE_QUEUED) for i in range(queued)]
        sessions += [pb.Session(id=f"r{i}", state=pb.SESSION_STATE_RUNNING) for i in range(running)]
        sessions.append(pb.Session(id="done", state=pb.SESSION_STATE_SUCCEEDED))
        self.sessions = sessions if visible is None else sessions[:visible]

    def ListSessions(self, request, context):
        return pb.ListSessionsResponse(sessions=self.sessions)

    def ResumeSession(self, request, context):
        self.resumes.append(request)
        session = pb.Session(id=request.session_id, state=pb.SESSION_STATE_QUEUED)
        if request.HasField("device"):
            session.config.device = request.device
        return session

    def ListDevices(self, request, context):
        slots = [pb.DeviceSlot(name=f"cpu-{i}", device="cpu", busy=i < self.running) for i in range(self.slots)]
        response = pb.ListDevicesResponse(slots=slots, isolation="process")
        if self.counts:
            response.queued_sessions = self.queued
        return response

    def GetSession(self, request, context):
        for session in self.sessions:
            if session.id == request.session_id:
                return session
        context.abort(grpc.StatusCode.NOT_FOUND, f"session {request.session_id!r} not found")


@pytest.fixture
def fake_servers():
    """Starts fake servers with the given loads, (queued, running) or a _FakeServer; returns their addresses."""
    started = []

    def start(*loads):
        addresses = []
        for load in loads:
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
            fake = load if isinstance(load, _FakeServer) else _FakeServer(*load)
            pb_grpc.add_SessionServiceServicer_to_server(fake, server)
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
            started.append(server)
            addresses.append(f"127.0.0.1:{port}")
        return addresses

    yield start
    for server in started:
        server.stop(None)


def _unreachable() -> str:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens on it
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def test_leastLoaded_picksTheServerWithFewestQueuedPlusRunning(fake_servers):
    busy, idle = fake_servers((3, 1), (0, 1))

    assert ablserve.least_loaded([busy, idle]) == idle
    with ablserve.Client(busy) as client:
        assert client.load() == (3, 1)


def test_load_countsEveryUsersSessions_notOnlyThoseTheTokenSees(fake_servers):
    (server,) = fake_servers(_FakeServer(queued=5, running=1, visible=0))

    with ablserve.Client(server) as client:
        assert client.sessions() == []
        assert client.load() == (5, 1)


def test_load_fromAnOlderServer_countsTheSessionsItLists(fake_servers):
    (older,) = fake_servers(_FakeServer(queued=5, running=1, visible=3, counts=False))

    with ablserve.Client(older) as client:
        assert client.load() == (3, 0)


def test_resume_sendsTheDeviceOnlyWhenGiven(fake_servers):
    fake = _FakeServer(queued=1, running=0)
    (address,) = fake_servers(fake)

    with ablserve.Client(address) as client:
        session = client.session("q0")
        assert session.resume(device="gpu").config.device == "gpu"
        session.resume()

    assert [(r.session_id, r.HasField("device"), r.device) for r in fake.resumes] == [
        ("q0", True, "gpu"), ("q0", False, "")]


def test_leastLoaded_weighsEachServersSlots(fake_servers):
    one_slot = _FakeServer(queued=0, running=1, slots=1)
    eight_slots = _FakeServer(queued=0, running=4, slots=8)
    small, large = fake_servers(one_slot, eight_slots)

    assert ablserve.least_loaded([small, large]) == large


def test_leastLoaded_onATie_picksTheFirst(fake_servers):
    a, b = fake_servers((1, 0), (0, 1))

    assert ablserve.least_loaded([b, a]) == b


def test_leastLoaded_skipsUnreachableServers(fake_servers, server_address):
    (busy,) = fake_servers((50, 1))

    assert ablserve.least_loaded([_unreachable(), busy], timeout=2) == busy
    assert ablserve.least_loaded([_unreachable(), server_address], timeout=5) == server_address


def test_leastLoaded_noServerAnswers_raisesUnavailableNamingEach():
    down = [_unreachable(), _unreachable()]

    with pytest.raises(ablserve.AblError) as raised:
        ablserve.least_loaded(down, timeout=2)
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    assert all(address in raised.value.description for address in down)
