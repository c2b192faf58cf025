import gzip

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import ablserve  # noqa: E402


def _after_turn(session: ablserve.Session) -> str:
    """The phase after the turning epoch: unlearning once a backdoor is confirmed, else plain training afresh."""
    return "unlearning" if session.result.verdict.confirmed else "retraining"


def _epochs(session: ablserve.Session) -> int:
    """SMALL's epochs: 3, or the isolation epoch and then 3 afresh when nothing was confirmed."""
    return 3 if session.result.verdict.confirmed else 4


def test_wait_showsAProgressBarPerPhaseAndReturnsTheFinishedSession(trained, capsys):
    session = trained.wait(progress=True, timeout=60)
    assert session is trained
    assert session.state == "succeeded"
    assert session.result.epochs == _epochs(session)
    err = capsys.readouterr().err
    assert "isolation" in err and _after_turn(session) in err
    assert "isolated 20 of 1000 samples" in err
    assert str(session.result.verdict) in err


def test_watch_replaysTypedEventsInSequenceAndEndsWithTheFinalState(trained):
    events = list(trained.watch())
    assert [e.sequence for e in events] == list(range(len(events)))
    kinds = {type(e) for e in events}
    assert {ablserve.StateChange, ablserve.PhaseChange, ablserve.StepMetrics, ablserve.EpochSummary,
            ablserve.IsolationResult, ablserve.FinalResult} <= kinds
    assert events[-1] == ablserve.StateChange(events[-1].sequence, events[-1].time, "succeeded", "")
    assert [e.phase for e in events if isinstance(e, ablserve.PhaseChange)] == [
        "isolation", "isolated", _after_turn(trained)]


def test_watch_startsAtFromSequence(trained):
    tail = list(trained.watch(from_sequence=5, follow=False))
    assert tail[0].sequence == 5


def test_metrics_areDataFramesOfEpochsAndSteps(trained):
    epochs = trained.metrics()
    assert isinstance(epochs, pd.DataFrame)
    assert list(epochs["epoch"]) == list(range(_epochs(trained)))
    assert list(epochs["phase"]) == ["isolation"] + [_after_turn(trained)] * (_epochs(trained) - 1)
    assert epochs["clean_accuracy"].between(0, 1).all()
    assert epochs["attack_success_rate"].between(0, 1).all()
    steps = trained.metrics("step")
    assert {"step", "batch_loss", "objective", "learning_rate"} <= set(steps.columns)
    assert steps["step"].is_monotonic_increasing
    assert len(steps) > 3 * len(epochs)


def _fashion_train_labels():
    with gzip.open("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz", "rb") as f:
        return np.frombuffer(f.read()[8:], dtype=np.uint8).astype(np.int64)


def test_isolation_returnsNumpyArraysInRankingOrder(trained):
    isolated = trained.isolation()
    assert isolated.indices.dtype == np.int32 and isolated.losses.dtype == np.float32
    assert isolated.poisoned.dtype == bool
    assert len(isolated.indices) == len(isolated.losses) == len(isolated.poisoned) == 20
    # The default per-class ranking orders by each loss over its label's median: within one training label
    # (poisons carry the target, 0) the losses ascend.
    labels = _fashion_train_labels()[isolated.indices]
    labels[isolated.poisoned] = 0
    for label in np.unique(labels):
        assert np.all(np.diff(isolated.losses[labels == label]) >= 0)
    assert len(set(isolated.indices.tolist())) == 20 and isolated.indices.max() < 1000
    assert isolated.precision == isolated.poisoned.mean()
    assert isolated.train_size == 1000 and isolated.train_poisoned_count == 100


def test_plot_outsideJupyter_drawsAStaticFigure(trained, tmp_path):
    path = tmp_path / "plot.png"
    figure = trained.plot(path=str(path))
    assert isinstance(figure, matplotlib.figure.Figure)
    assert len(figure.axes) == 2
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_refusesASessionThatWasNotInterrupted(trained):
    import grpc

    try:
        trained.resume()
    except ablserve.AblError as e:
        assert e.code == grpc.StatusCode.FAILED_PRECONDITION
        assert e.description
    else:
        raise AssertionError("resume of a succeeded session did not fail")
