"""The backdoor check's measures and the isolated, ascended and filtered samples' identities, as the client sees
them: streamed as events, and from Session.isolation()."""
from __future__ import annotations

import numpy as np
import pytest

import ablserve
from ablserve import _events
from ablserve._proto.v1 import session_pb2 as pb


def test_backdoorCheck_isStreamedWithEveryLabelsMeasures_andItsVerdictIsTheIsolations(trained):
    events = list(trained.watch(follow=False))
    checks = [e for e in events if isinstance(e, ablserve.BackdoorCheckResult)]
    isolation = next(e for e in events if isinstance(e, ablserve.IsolationResult))

    assert checks, "no BackdoorCheckResult event"
    last = checks[-1]
    assert last.epoch == isolation.epoch
    assert last.verdict == isolation.verdict
    assert last.labels.index.name == "label"
    assert list(last.labels.columns) == ["cluster_size", "label_size", "separation", "loss_gap_nats",
                                         "runner_up_diversity", "rest_runner_up_diversity", "evidence"]
    product = last.labels.separation * last.labels.loss_gap_nats * last.labels.runner_up_diversity
    assert np.allclose(last.labels.evidence, product)
    for label, evidence in last.labels.evidence.items():
        assert last.verdict.class_evidence[label] == pytest.approx(evidence)
    # The trigger probe (on by default) runs only at the turn of a confirmed backdoor: no earlier check carries
    # its figures, and the turn's does exactly when it confirmed.
    assert all(c.probe is None for c in checks[:-1])
    assert (last.probe is not None) == last.verdict.confirmed
    if last.probe is not None:
        assert last.probe.rounds in (1, 2)


def test_filteredAndAscendedSamples_areNamed(trained):
    events = list(trained.watch(follow=False))
    filters = [e for e in events if isinstance(e, ablserve.FilterResult)]
    isolation = trained.isolation()
    verdict = isolation.verdict

    for f in filters:
        assert len(f.indices) == f.removed_count and np.all(np.diff(f.indices) > 0)
    assert len(isolation.ascended_indices) == verdict.ascended_count
    assert len(isolation.suspect_indices) == verdict.suspect_count
    expansion = [f for f in filters if f.expansion]
    if expansion:
        assert np.array_equal(isolation.ascended_indices, expansion[0].indices)
    assert not np.intersect1d(isolation.ascended_indices, isolation.suspect_indices).size


def test_checkEvent_fromProto_withoutCandidates():
    event = _events.from_proto(pb.SessionEvent(sequence=4, check=pb.BackdoorCheckResult(
        epoch=2, verdict=pb.BackdoorVerdict(tested=True, label=-1, threshold=6))))

    assert isinstance(event, ablserve.BackdoorCheckResult)
    assert event.epoch == 2 and event.labels.empty and not event.verdict.confirmed
    assert "no label split" in str(event.verdict)
    assert event.probe is None


def test_checkEvent_fromProto_carriesTheTriggerProbe():
    event = _events.from_proto(pb.SessionEvent(sequence=9, check=pb.BackdoorCheckResult(
        epoch=5, verdict=pb.BackdoorVerdict(tested=True, confirmed=True, label=3, threshold=6, ascended_count=120),
        probe=pb.TriggerProbeResult(trusted=True, rounds=2, suspect_threshold=1.5, ascend_threshold=2.5,
                                    held_out_recall=0.98, held_out_false_rate=0.005, ascended_count=20,
                                    suspect_count=7, demoted_count=3))))

    assert event.probe == ablserve.TriggerProbeResult(True, 2, 1.5, 2.5, 0.98, 0.005, 20, 7, 3)
