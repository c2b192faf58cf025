"""Python client of ablserve: Anti-Backdoor Learning training sessions on a gRPC server.

    with ablserve.Client("127.0.0.1:50051") as client:
        session = client.create_session(ablserve.SessionConfig(abl=ablserve.AblConfig(epochs=4)))
        session.wait()
        print(session.metrics())
        session.isolation().show()         # the isolated samples, as PNGs from the server
        session.export_model("model/")     # DJL parameters and metadata.json
        grid = client.sweep(attacks=["badnets", "blend"], seeds=[0, 1], name="table-1")
        grid.wait()
        print(grid.results().to_markdown(floatfmt=".2f"))   # the paper's Table 1
"""
from importlib.metadata import PackageNotFoundError, version

from ._client import Client
from ._config import (
    AblConfig,
    AttackConfig,
    CleanDataConfig,
    DatasetConfig,
    FinePruningConfig,
    FineTuningConfig,
    McrConfig,
    NadConfig,
    SessionConfig,
)
from ._datasets import Dataset
from ._errors import AblError
from ._events import (
    BackdoorCheckResult,
    BackdoorVerdict,
    EpochSummary,
    FilterResult,
    FinalResult,
    IsolationResult,
    PhaseChange,
    StateChange,
    StepMetrics,
    TriggerProbeResult,
)
from ._results import Evaluation
from ._samples import SampleImage, Samples
from ._servers import least_loaded
from ._session import Session
from ._sweep import Sweep, SweepCell

try:
    __version__ = version("ablserve")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
del PackageNotFoundError, version

__all__ = [
    "AblConfig",
    "AblError",
    "AttackConfig",
    "BackdoorCheckResult",
    "BackdoorVerdict",
    "CleanDataConfig",
    "Client",
    "Dataset",
    "DatasetConfig",
    "EpochSummary",
    "Evaluation",
    "FilterResult",
    "FinalResult",
    "FinePruningConfig",
    "FineTuningConfig",
    "McrConfig",
    "NadConfig",
    "IsolationResult",
    "PhaseChange",
    "SampleImage",
    "Samples",
    "Session",
    "SessionConfig",
    "StateChange",
    "StepMetrics",
    "Sweep",
    "SweepCell",
    "TriggerProbeResult",
    "least_loaded",
]
