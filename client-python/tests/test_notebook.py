"""Executes examples/quickstart.ipynb (nbclient, a real kernel) against the fixture's server."""
from pathlib import Path

import nbclient
import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def test_quickstartNotebook_runsAndShowsPlotsAndMetrics(server_address, monkeypatch, tmp_path):
    monkeypatch.setenv("ABLSERVE_ADDRESS", server_address)  # the kernel inherits this process's environment
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    live_plot = next(c for c in notebook.cells if c.source.strip() == "session.plot()")
    assert any("image/png" in o.get("data", {}) for o in live_plot.outputs)
    tables = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("clean_accuracy" in t and "<table" in t for t in tables)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the live plot and the grid of isolated samples
    text = "".join(o.get("text", "") for o in outputs)
    assert "succeeded" in text
    assert "model-0000.params" in text and (tmp_path / "quickstart-model" / "metadata.json").is_file()
    plain = "".join(o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "Evaluation(clean_accuracy=" in plain
