import importlib.util
import filecmp
from pathlib import Path

import google.protobuf
import grpc

CLIENT_ROOT = Path(__file__).resolve().parents[1]
SHIPPED = CLIENT_ROOT / "src" / "ablserve" / "_proto"


def _regen_module():
    spec = importlib.util.spec_from_file_location("regen_stubs", CLIENT_ROOT / "regen_stubs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stubs_matchTheProtos(tmp_path):
    generated = _regen_module().generate(tmp_path)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in generated)
    shipped = sorted(p.relative_to(SHIPPED).as_posix() for p in SHIPPED.glob("v*/*")
                     if p.is_file() and p.suffix in (".py", ".pyi"))
    assert names == shipped, (
        "the shipped stubs and the protos define different modules: run client-python/regen-stubs.sh")
    stale = [n for n in names if not filecmp.cmp(tmp_path / n, SHIPPED / n, shallow=False)]
    assert not stale, f"stale generated stubs {stale}: run client-python/regen-stubs.sh"


def test_stubs_loadWithTheInstalledRuntimes():
    from ablserve._proto.v1 import session_pb2, session_pb2_grpc  # raises when grpcio/protobuf are too old

    assert session_pb2.DESCRIPTOR.name == "ablserve/v1/session.proto"
    assert int(google.protobuf.__version__.split(".")[0]) == 6
    assert tuple(map(int, grpc.__version__.split(".")[:2])) >= (1, 80)
    assert session_pb2_grpc.GRPC_GENERATED_VERSION == "1.80.1"
    from ablserve._proto.v2 import session_pb2 as v2  # imports v1's messages from ablserve._proto.v1

    assert v2.DESCRIPTOR.name == "ablserve/v2/session.proto"
    assert v2.SessionConfig.DESCRIPTOR.fields_by_name["dataset"].message_type is session_pb2.DatasetSpec.DESCRIPTOR
