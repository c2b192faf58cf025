"""The backdoor check's verdict and the per-class clean accuracy: their conversion from the protos, how the
progress bars and the summary show them, and what a real ABL session reports."""
import math
from types import SimpleNamespace

import ablserve
from ablserve import _events
from ablserve._proto.v1 import session_pb2 as pb
from ablserve._progress import PhaseProgress, summary

CONFIRMED = pb.BackdoorVerdict(tested=True, confirmed=True, label=0, evidence=9.1, threshold=6.0, margin=3.1,
                               ascended_count=890, suspect_count=12, class_evidence=[9.1, float("nan"), 2.0])
REJECTED = pb.BackdoorVerdict(tested=True, confirmed=False, label=3, evidence=2.31, threshold=6.0, margin=-3.69)


def test_backdoorVerdict_isNoneWhenNoCheckRan():
    assert _events.backdoor_verdict(pb.BackdoorVerdict()) is None
    result = _events.final_result(pb.FinalResult(clean_accuracy=0.9, class_accuracy=[0.8, 1.0]))
    assert result.verdict is None and result.class_accuracy == (0.8, 1.0)


def test_backdoorVerdict_convertsEveryFieldAndReadsAsOneLine():
    verdict = _events.backdoor_verdict(CONFIRMED)

    assert verdict == ablserve.BackdoorVerdict(True, 0, 9.1, 6.0, 3.1, 890, 12, verdict.class_evidence)
    assert verdict.class_evidence[0] == 9.1 and math.isnan(verdict.class_evidence[1])
    assert str(verdict) == ("backdoor confirmed at label 0: evidence 9.10 >= threshold 6.00 (margin +3.10);"
                            " 890 samples ascended, 12 suspects set apart")
    assert str(_events.backdoor_verdict(REJECTED)) == (
        "no backdoor confirmed (evidence 2.31 < threshold 6.00, strongest label 3)")
    untestable = pb.BackdoorVerdict(tested=True, label=-1, evidence=float("nan"), threshold=6.0)
    assert str(_events.backdoor_verdict(untestable)) == (
        "no backdoor confirmed (no label split into a cluster and a rest)")


def test_summary_showsTheLowestClassAndTheVerdict():
    result = _events.final_result(pb.FinalResult(clean_accuracy=0.9123, attack_success_rate=0.0041, epochs=10,
                                                 class_accuracy=[0.95, float("nan"), 0.712], verdict=REJECTED))

    assert summary(result) == ("CA 0.912 (lowest class 2: 0.712), ASR 0.004 after 10 epochs;"
                               " no backdoor confirmed (evidence 2.31 < threshold 6.00, strongest label 3)")


def _event(sequence, **kind):
    return _events.from_proto(pb.SessionEvent(sequence=sequence, **kind))


def test_phaseProgress_trainsPlainlyAfterAnUnconfirmedCheck(capsys):
    # An early turn at epoch 2 of 10 (isolate_early) with no backdoor: isolation -> isolated -> training.
    # A session's config as the server echoes it: resolved.
    config = ablserve.SessionConfig(abl=ablserve.AblConfig(epochs=10, isolation_epochs=5))
    session = SimpleNamespace(id="s-1", config=config)
    epochs = [_event(10 + e, epoch=pb.EpochSummary(phase=pb.PHASE_TRAINING, epoch=e, clean_accuracy=0.9,
                                                   class_accuracy=[0.9] * 10)) for e in range(2, 10)]
    script = [
        _event(0, phase=pb.PhaseChange(phase=pb.PHASE_ISOLATION, epoch=0)),
        _event(1, epoch=pb.EpochSummary(phase=pb.PHASE_ISOLATION, epoch=0)),
        _event(2, epoch=pb.EpochSummary(phase=pb.PHASE_ISOLATION, epoch=1)),
        _event(3, phase=pb.PhaseChange(phase=pb.PHASE_ISOLATED, epoch=2)),
        _event(4, isolation=pb.IsolationResult(epoch=2, indices=[1, 2], train_size=100, verdict=REJECTED)),
        _event(5, phase=pb.PhaseChange(phase=pb.PHASE_TRAINING, epoch=2)),
        *epochs,
        _event(20, result=pb.FinalResult(clean_accuracy=0.9, epochs=10, verdict=REJECTED)),
        _event(21, state=pb.StateChange(state=pb.SESSION_STATE_SUCCEEDED)),
    ]

    bars = PhaseProgress(session, bars=True)
    for event in script:
        bars.update(event)
        if isinstance(event, ablserve.EpochSummary) and event.phase == "training":
            assert bars._bar.n <= bars._bar.total == 8
    bars.close()

    err = capsys.readouterr().err
    assert "isolated 2 of 100 samples at epoch 2" in err
    assert err.count("no backdoor confirmed (evidence 2.31 < threshold 6.00") == 2  # ranking and summary
    assert "8/8" in err and "session s-1 succeeded" in err


def test_ablSession_reportsTheVerdictAndPerClassAccuracy(trained):
    classes = 10  # fashion-mnist
    isolation = next(e for e in trained.watch(follow=False) if isinstance(e, ablserve.IsolationResult))
    assert isinstance(isolation.verdict, ablserve.BackdoorVerdict)
    assert len(isolation.verdict.class_evidence) == classes
    fetched = trained.isolation().verdict  # the ResultsService's copy of the event
    assert (fetched.confirmed, fetched.label, fetched.threshold) == (
        isolation.verdict.confirmed, isolation.verdict.label, isolation.verdict.threshold)
    result = trained.result
    assert result.verdict is not None and result.verdict.confirmed == isolation.verdict.confirmed
    assert len(result.class_accuracy) == classes and all(0 <= a <= 1 for a in result.class_accuracy)

    epochs = trained.metrics()
    per_class = [f"class_accuracy_{c}" for c in range(classes)]
    assert list(epochs.columns[-classes - 1:-1]) == per_class and epochs.columns[-1] == "time"
    assert epochs[per_class].apply(lambda column: column.between(0, 1)).all().all()
    assert list(epochs[per_class].iloc[-1]) == list(result.class_accuracy)


def test_phaseProgress_countsTheEpochsRetrainedAfterAnUnconfirmedCheck(capsys):
    # 5 isolation epochs, nothing confirmed: epochs 5..14 train afresh, the session's 10 after the isolation ones.
    config = ablserve.SessionConfig(abl=ablserve.AblConfig(epochs=10, isolation_epochs=5))
    session = SimpleNamespace(id="s-2", config=config)
    script = [
        _event(0, phase=pb.PhaseChange(phase=pb.PHASE_ISOLATED, epoch=5)),
        _event(1, phase=pb.PhaseChange(phase=pb.PHASE_RETRAINING, epoch=5)),
        *[_event(2 + e, epoch=pb.EpochSummary(phase=pb.PHASE_RETRAINING, epoch=e, clean_accuracy=0.9,
                                              class_accuracy=[0.9] * 10)) for e in range(5, 15)],
    ]

    bars = PhaseProgress(session, bars=True)
    for event in script:
        bars.update(event)
        if isinstance(event, ablserve.EpochSummary):
            assert event.phase == "retraining"
            assert bars._bar.n <= bars._bar.total == 10
    bars.close()
    assert "10/10" in capsys.readouterr().err
