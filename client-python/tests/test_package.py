"""The package as a whole: its modules' import graph, what it shows in help() and in Jupyter, when it draws
progress bars."""
import ast
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
        subprocess.run([sys.executable, "-c", f"import ablserve.{module}"], check=True)


def test_progressBars_onlyOnATerminalOrInJupyter():
    tty = io.StringIO()
    tty.isatty = lambda: True

    assert not _display.bars_wanted(io.StringIO())
    assert _display.bars_wanted(tty)


def _event(sequence, **kind):
    return _events.from_proto(pb.SessionEvent(sequence=sequence, **kind))


def test_phaseProgress_offATerminal_writesPlainLinesWithoutCarriageReturns(capsys):
    session = SimpleNamespace(id="s-1", config=ablserve.SessionConfig(abl=ablserve.AblConfig(epochs=3)))
    progress = PhaseProgress(session)  # stderr is pytest's capture, not a terminal
    for event in (_event(0, phase=pb.PhaseChange(phase=pb.PHASE_ISOLATION, epoch=0)),
                  _event(1, step=pb.StepMetrics(phase=pb.PHASE_ISOLATION, step=4, batch_loss=0.5)),
                  _event(2, epoch=pb.EpochSummary(phase=pb.PHASE_ISOLATION, epoch=0, clean_accuracy=0.8))):
        progress.update(event)
    progress.close()

    err = capsys.readouterr().err
    assert err == "phase isolation from epoch 0\nepoch 0 isolation: CA 0.800, ASR 0.000\n"
