"""The package as a whole: its modules' import graph, what it shows in help() and in Jupyter, when it draws
progress bars."""
import ast
import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import ablserve
from ablserve import _display, _events
from ablserve._proto.v1 import session_pb2 as pb
from ablserve._progress import PhaseProgress

PACKAGE = Path(ablserve.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("_*.py") if p.stem != "__init__")
# Modules of an optional extra, and the package that extra brings.
EXTRAS = {"_torch": "torch"}


def _imports(module: str) -> set:
    """The package's modules that ``module`` imports anywhere: at the top, in functions, under TYPE_CHECKING."""
    found = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found & set(MODULES)


def test_modules_importEachOtherOneWayOnly():
    graph = {m: _imports(m) for m in MODULES}
    visiting, done = [], set()

    def visit(module):
        assert module not in visiting, f"import cycle: {' -> '.join(visiting[visiting.index(module):] + [module])}"
        if module in done:
            return
        visiting.append(module)
        for imported in graph[module]:
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in MODULES:
        visit(module)


def test_eachModule_importsAloneInAFreshInterpreter():
    for module in MODULES:
        if module in EXTRAS and importlib.util.find_spec(EXTRAS[module]) is None:
            continue  # its extra is not installed here; it raises ImportError naming the extra
        subprocess.run([sys.executable, "-c", f"import ablserve.{module}"], check=True)


def test_progressBars_onlyOnATerminalOrInJupyter():
    tty = io.StringIO()
    tty.isatty = lambda: True

    assert not _display.bars_wanted(io.StringIO())
    assert _display.bars_wanted(tty)


def _event(sequence, **kind):
    return _events.from_proto(pb.SessionEvent(sequence=sequence, **kind))


def test_phaseProgress_offATerminal_writesPlainLinesWithoutCarriageReturns(capsys):
    # A session's config as the server echoes it: resolved.
    config = ablserve.SessionConfig(abl=ablserve.AblConfig(epochs=3, isolation_epochs=1))
    session = SimpleNamespace(id="s-1", config=config)
    progress = PhaseProgress(session)  # stderr is pytest's capture, not a terminal
    for event in (_event(0, phase=pb.PhaseChange(phase=pb.PHASE_ISOLATION, epoch=0)),
                  _event(1, step=pb.StepMetrics(phase=pb.PHASE_ISOLATION, step=4, batch_loss=0.5)),
                  _event(2, epoch=pb.EpochSummary(phase=pb.PHASE_ISOLATION, epoch=0, clean_accuracy=0.8))):
        progress.update(event)
    progress.close()

    err = capsys.readouterr().err
    assert err == "phase isolation from epoch 0\nepoch 0 isolation: CA 0.800, ASR 0.000\n"


def test_help_showsTheFieldDocs():
    import pydoc

    config_help = pydoc.render_doc(ablserve.AblConfig, renderer=pydoc.plaintext)
    # Optional: None is not sent, and the doc says what the server does then.
    assert ("epochs (int, optional): Total epochs T (isolation plus unlearning), in [2, 10000]. Server default:"
            in config_help)
    assert "poison_rate (float, optional): Share of the training set poisoned" in pydoc.render_doc(
        ablserve.AttackConfig, renderer=pydoc.plaintext)
    assert "train_limit (int, default 0): Train on the first N" in pydoc.render_doc(
        ablserve.DatasetConfig, renderer=pydoc.plaintext)
    assert "attack_success_rate (float): Share of the triggered test images" in pydoc.render_doc(
        ablserve.Evaluation, renderer=pydoc.plaintext)
    assert "isolation_precision (float): Of isolating the lowest" in ablserve.EpochSummary.__doc__


def _session(state, phase=pb.PHASE_UNLEARNING, **fields):
    from ablserve._session import Session

    # As the server echoes it: resolved.
    config = ablserve.SessionConfig(display_name="<sweep & co>", attack=ablserve.AttackConfig("badnets", 0, 0.1),
                                    abl=ablserve.AblConfig(epochs=10, defense="abl")).to_proto()
    return Session(None, pb.Session(id="5f3c-id", state=state, phase=phase, config=config, **fields))


def test_session_phase_isEmptyUnlessRunning():
    assert _session(pb.SESSION_STATE_RUNNING).phase == "unlearning"
    assert _session(pb.SESSION_STATE_SUCCEEDED).phase == ""
    assert _session(pb.SESSION_STATE_FAILED).phase == ""


def test_session_namesTheSlotItTrainsOn():
    placed = _session(pb.SESSION_STATE_RUNNING, slot="gpu-0", device="gpu(0)")
    assert placed.slot == "gpu-0" and placed.device == "gpu(0)"
    assert "gpu-0" in placed._repr_html_()
    assert _session(pb.SESSION_STATE_QUEUED).slot == ""


def test_reprHtml_ofSessionAndResults_isATableWithTheirFigures():
    running = _session(pb.SESSION_STATE_RUNNING, epoch=3)._repr_html_()
    assert running.startswith("<table>") and "5f3c-id" in running and "running" in running
    assert "&lt;sweep &amp; co&gt;" in running  # escaped
    assert "3 (counted from 0) of 10" in running

    evaluation = ablserve.Evaluation(0.91, 0.004, 200, 180, "fashion-mnist")._repr_html_()
    assert "<table>" in evaluation and "0.91" in evaluation and "fashion-mnist" in evaluation

    result = _events.final_result(pb.FinalResult(clean_accuracy=0.9123, epochs=10, class_accuracy=[0.8]))
    assert "0.9123" in result._repr_html_() and "class 0 accuracy" in result._repr_html_()
    isolation = _events.isolation_result(pb.IsolationResult(epoch=2, indices=[4, 9], poisoned=[True, False],
                                                            losses=[0.01, 0.02], train_size=100, precision=0.5))
    assert "2 of 100" in isolation._repr_html_()


def test_version_isThePackagesMetadata():
    from importlib.metadata import version

    assert ablserve.__version__ == version("ablserve")
