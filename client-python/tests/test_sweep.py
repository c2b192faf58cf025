import math

import pandas as pd
import pytest

import ablserve
from ablserve import _sweep

# Two epochs on 500 images: each session trains in a few seconds.
TINY = ablserve.SessionConfig(
    dataset=ablserve.DatasetConfig("fashion-mnist", train_limit=500, test_limit=100),
    attack=ablserve.AttackConfig(poison_rate=0.1, target_label=2),
    abl=ablserve.AblConfig(epochs=2, isolation_epochs=1, isolation_ratio=0.02, batch_size=64,
                           step_report_interval=4),
    seed=3,
)
GRID = dict(attacks=["badnets", "blend"], defenses=["none", "abl"], seeds=[3], base=TINY)


def test_requestIds_dependOnNameAndCellConfigOnly():
    grid = _sweep.cells(["badnets", "none"], [0.1, 0.05], [0], [0, 1], ["none", "abl"])
    # attack "none" poisons nothing, so its rates collapse into one cell per seed and defense.
    assert len(grid) == 2 * 2 * 2 + 2 * 2
    ids = {_sweep.request_id("grid", _sweep.cell_config(TINY, "grid", cell)) for cell in grid}
    assert len(ids) == len(grid)
    cell = grid[0]
    again = _sweep.request_id("grid", _sweep.cell_config(TINY, "grid", cell))
    assert again in ids
    assert _sweep.request_id("other", _sweep.cell_config(TINY, "other", cell)) not in ids
    changed = ablserve.SessionConfig(dataset=TINY.dataset, attack=TINY.attack, abl=TINY.abl, seed=TINY.seed,
                                     model="wrn_16_1")
    assert _sweep.request_id("grid", _sweep.cell_config(changed, "grid", cell)) not in ids


def test_sweep_rejectsAnUnknownDefenseBeforeQueueingAnything(client):
    before = len(client.sessions())
    with pytest.raises(ablserve.AblError, match="abl.defense"):
        client.sweep(attacks=["badnets"], defenses=["abl", "fine-pruning"], base=TINY, name="sweep-typo")
    assert len(client.sessions()) == before


@pytest.mark.slow
def test_sweep_resumesAfterAClientRestartAndTabulatesLikeThePaper(client, server_address):
    sweep = client.sweep(**GRID, priority=5, name="pytest-sweep")
    assert len(sweep) == 4
    assert [(c.attack, c.defense) for c in sweep.cells] == [
        ("badnets", "none"), ("badnets", "abl"), ("blend", "none"), ("blend", "abl")]
    ids = [s.id for s in sweep.sessions]
    assert len(set(ids)) == 4
    for cell, session in sweep:
        assert session.priority == 5
        assert session.config.attack.kind == cell.attack
        assert session.config.attack.target_label == 2
        assert session.config.abl.defense == cell.defense
        assert session.config.dataset.train_limit == 500

    assert [s.id for s in client.sweep(**GRID, priority=5, name="pytest-sweep").sessions] == ids
    with ablserve.Client(server_address, timeout=30) as restarted:  # a new kernel: nothing kept but the name
        resumed = restarted.sweep(**GRID, priority=5, name="pytest-sweep")
        assert [s.id for s in resumed.sessions] == ids
        # A sub-grid finds its cells among them rather than queueing new sessions.
        assert restarted.sweep(attacks=["blend"], defenses=["abl"], seeds=[3], base=TINY,
                               priority=5, name="pytest-sweep").sessions[0].id == ids[3]

        resumed.wait(progress=False, timeout=600)
        frame = resumed.frame()
        assert list(frame["session_id"]) == ids
        assert list(frame["state"]) == ["succeeded"] * 4, list(frame["failure_reason"])
        assert frame["clean_accuracy"].between(0, 1).all()
        assert frame.loc[frame["defense"] == "none", "verdict_confirmed"].isna().all()

        table = resumed.results()
    assert list(table.index) == [("badnets", 0.1), ("blend", 0.1)]
    assert table.index.names == ["attack", "poison_rate"]
    assert list(table.columns) == [("No defense", "CA"), ("No defense", "ASR"), ("ABL", "CA"), ("ABL", "ASR")]
    expected = frame.set_index(["attack", "defense"])["clean_accuracy"] * 100
    assert table.loc[("blend", 0.1), ("ABL", "CA")] == pytest.approx(expected[("blend", "abl")])
    assert not table.isna().any().any()
    markdown = table.to_markdown(floatfmt=".2f")
    assert "No defense" in markdown and "ABL" in markdown and "badnets" in markdown
    assert "\\begin{tabular}" in table.to_latex(float_format="%.2f")


def test_results_averageSeedsWithTheirSpread():
    class Done:
        def __init__(self, ca):
            self.id, self.state, self.epoch, self.failure_reason = f"s{ca}", "succeeded", 2, ""
            self.result = ablserve.FinalResult(ca, 0.5, math.nan, math.nan, 2, 1000)
            self.done = True

    grid = _sweep.cells(["badnets"], [0.1], [0], [0, 1], ["abl"])
    sweep = ablserve.Sweep("offline", grid, [Done(0.8), Done(0.9)])
    table = sweep.results(refresh=False)
    assert list(table.columns) == [("ABL", "CA"), ("ABL", "CA std"), ("ABL", "ASR"), ("ABL", "ASR std")]
    assert table.loc[("badnets", 0.1), ("ABL", "CA")] == pytest.approx(85.0)
    assert table.loc[("badnets", 0.1), ("ABL", "CA std")] == pytest.approx(pd.Series([80.0, 90.0]).std())


def test_interrupt_cancelsOnlyTheUnfinishedCells(capsys):
    class Fake:
        def __init__(self, done):
            self.id, self.done, self.cancelled = f"s{done}", done, None

        def cancel(self, wait=True):
            self.cancelled = wait

    finished, queued = Fake(True), Fake(False)
    grid = _sweep.cells(["badnets"], [0.1], [0], [0], ["none", "abl"])
    sweep = ablserve.Sweep("interrupted", grid, [finished, queued])
    sweep._interrupted("detach")
    assert queued.cancelled is None and "keeps 1 sessions" in capsys.readouterr().err
    sweep._interrupted("cancel")
    assert (finished.cancelled, queued.cancelled) == (None, False)  # never blocks in a wait after Ctrl-C


def test_requestIds_ofConfigsWithoutTheLaterAttackFields_areThoseOlderClientsGave():
    # What ablserve 0c1ab90, before patch_corner/patch_margin_px/blend_pattern/blend_seed, gave for these.
    blend = ablserve.SessionConfig(seed=3)
    blend.attack.kind = "blend"

    # Older clients' sessions also ran without the probe and dropped the check's suspects.
    unprobed = ablserve.SessionConfig()
    unprobed.abl.trigger_probe = False
    unprobed.abl.suspect_treatment = "drop"
    blend.abl.trigger_probe = False
    blend.abl.suspect_treatment = "drop"
    assert _sweep.request_id("grid", unprobed) == "a8641bc9-c821-5dc8-8b59-9753dea935b9"
    assert _sweep.request_id("grid", blend) == "a70adc05-54ce-578d-9e5d-9790d0fdb3f5"
    moved = ablserve.SessionConfig()
    moved.abl.suspect_treatment = "drop"
    moved.attack.patch_corner = "top_left"
    assert _sweep.request_id("grid", moved) != "a8641bc9-c821-5dc8-8b59-9753dea935b9"
    moved.attack.patch_corner = "bottom_right"
    moved.abl.trigger_probe = False
    assert _sweep.request_id("grid", moved) == "a8641bc9-c821-5dc8-8b59-9753dea935b9"
    # The probe on, now the default, is not what those sweeps trained: new ids.
    assert _sweep.request_id("grid", ablserve.SessionConfig()) != "a8641bc9-c821-5dc8-8b59-9753dea935b9"


def test_requestIds_ofNadConfigsNamingNoLayers_areThoseOlderClientsGave():
    # What ablserve ebcd9fa, before nad.layers, gave for this config.
    config = ablserve.SessionConfig(nad=ablserve.NadConfig(beta=5.0))
    config.abl.defense = "nad"
    older = "33155f55-9567-5f4d-89e7-322b5dae50e9"
    assert _sweep.request_id("grid", config) == older
    config.nad.layers = []
    assert _sweep.request_id("grid", config) == older
    config.nad.layers = ["conv1", "last_conv_stage"]
    assert _sweep.request_id("grid", config) != older


def _defaults(**abl) -> ablserve.SessionConfig:
    """Server defaults equal to what older clients sent, but for ``abl``."""
    sent = _sweep._SENT_BY_OLDER_CLIENTS
    return ablserve.SessionConfig(
        dataset=ablserve.DatasetConfig("fashion-mnist"), attack=ablserve.AttackConfig(**sent["attack"]),
        abl=ablserve.AblConfig(**{**sent["abl"], **abl}), model=sent["model"], seed=sent["seed"], device="cpu",
        fine_tuning=ablserve.FineTuningConfig(**sent["fine_tuning"]),
        fine_pruning=ablserve.FinePruningConfig(**sent["fine_pruning"]), nad=ablserve.NadConfig(**sent["nad"]),
        mcr=ablserve.McrConfig(**sent["mcr"]))


def test_requestIds_countAnUnsetFieldAsTheServersDefault():
    unprobed = ablserve.SessionConfig()
    unprobed.abl.trigger_probe = False
    older = "a8641bc9-c821-5dc8-8b59-9753dea935b9"
    # While the server's defaults are what older clients sent, their ids stay.
    assert _sweep.request_id("grid", unprobed, _defaults()) == older
    # A server whose default moved trains something else for an unset field: new ids, not the old sessions...
    assert _sweep.request_id("grid", unprobed, _defaults(suspect_treatment="pseudo_label")) != older
    assert _sweep.request_id("grid", unprobed, _defaults(epochs=20)) != older
    # ...while the value set explicitly is the same request as before, whatever the server's default.
    unprobed.abl.suspect_treatment = "DROP"
    assert _sweep.request_id("grid", unprobed, _defaults(suspect_treatment="pseudo_label")) == older
    # A field older clients never sent counts as what servers of the time did: they trained on, unconfirmed.
    assert _sweep.request_id("grid", unprobed, _defaults(retrain_unconfirmed=True)) != older
    unprobed.abl.retrain_unconfirmed = False
    assert _sweep.request_id("grid", unprobed, _defaults(retrain_unconfirmed=True)) == older
    unprobed.abl.retrain_unconfirmed = True
    assert _sweep.request_id("grid", unprobed) != older


def test_sweep_namesTheAxesBaseLeavesUnset_byTheServersDefaults(client):
    defaults = client.session_defaults()
    base = ablserve.SessionConfig(dataset=TINY.dataset, abl=TINY.abl)
    sweep = client.sweep(defenses=["none"], base=base, priority=-100, name="pytest-sweep-unset-axes")
    try:
        cell = sweep.cells[0]
        assert (cell.attack, cell.poison_rate, cell.target_label, cell.seed) == (
            defaults.attack.kind, defaults.attack.poison_rate, defaults.attack.target_label, defaults.seed)
        config = sweep.sessions[0].config
        assert (config.attack.kind, config.attack.poison_rate, config.seed) == (cell.attack, cell.poison_rate,
                                                                                cell.seed)
        assert config.display_name.startswith(f"pytest-sweep-unset-axes: {cell.attack} ")
    finally:
        for session in sweep.sessions:
            session.cancel()
