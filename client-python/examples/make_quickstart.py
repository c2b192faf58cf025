"""Writes quickstart.ipynb from the cells below (edit here, not in the .ipynb). With --execute it also runs
the notebook against the server at $ABLSERVE_ADDRESS so the committed copy shows its outputs:

    ABLSERVE_ADDRESS=127.0.0.1:50051 ../../.venv/bin/python make_quickstart.py --execute
"""
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# ablserve quickstart: BadNets on Fashion-MNIST, defended by Anti-Backdoor Learning

This notebook asks an ablserve server to poison 10% of a small Fashion-MNIST training set with BadNets (a white
3x3 patch, label set to class 0) and to train on it with ABL (Li et al., NeurIPS 2021): an epoch of
isolation training, ranking every sample by its loss to isolate the lowest 2%, then unlearning. It follows the
session live, reads its metrics as a DataFrame, looks at the isolated samples and exports the trained model.

Start a server first (`bin/ablserve-server` in the repository, or the docker image); the notebook connects to
`$ABLSERVE_ADDRESS`, by default `127.0.0.1:50051`. Install the client with `pip install './client-python[notebook]'`."""),
    new_code_cell("""import os

import ablserve

client = ablserve.Client(os.environ.get("ABLSERVE_ADDRESS", "127.0.0.1:50051"))"""),
    new_markdown_cell("""A field of the config left unset takes the server's default (see `help(ablserve.AblConfig)`); here: 2000 training
images, 500 test images, 3 epochs of which the first isolates. `create_session` returns at once with the session queued."""),
    new_code_cell("""config = ablserve.SessionConfig(
    dataset=ablserve.DatasetConfig("fashion-mnist", train_limit=2000, test_limit=500),
    attack=ablserve.AttackConfig("badnets", poison_rate=0.1, target_label=0),
    abl=ablserve.AblConfig(epochs=3, isolation_epochs=1, isolation_ratio=0.02, batch_size=64, step_report_interval=5),
    seed=1,
    display_name="quickstart",
)
session = client.create_session(config)
session"""),
    new_markdown_cell("""`plot()` draws the training loss per step and the clean accuracy (CA) and attack success rate (ASR) per
epoch, and keeps redrawing from a background thread while the session trains, so the kernel stays free.
`wait()` shows a progress bar per phase; interrupting the kernel during `wait()` cancels the remote session."""),
    new_code_cell("session.plot()"),
    new_code_cell("session.wait()"),
    new_markdown_cell("""After isolation the backdoor check decides. Confirmed, the backdoor's samples are unlearned and the ASR
should fall while the CA holds; not confirmed, nothing is ascended and the session trains plainly ("training"
phase), so a clean dataset costs nothing. The verdict says which, on what evidence and how far from its
threshold:"""),
    new_code_cell("""print(session.result.verdict)"""),
    new_markdown_cell("""One row per epoch (`session.metrics("step")` gives one per reported step), with the clean accuracy of
every class in the `class_accuracy_*` columns:"""),
    new_code_cell("""metrics = session.metrics()
metrics[["phase", "epoch", "clean_accuracy", "attack_success_rate", "class_accuracy_0"]]"""),
    new_markdown_cell("""The loss gap ABL rests on (the paper's Figure 1): the poisoned samples' mean training loss falls far
faster than the clean ones'; and the last epoch's accuracy of each class, the target class in red:"""),
    new_code_cell("""session.plot_losses();"""),
    new_code_cell("""session.plot_class_accuracy();"""),
    new_markdown_cell("""## The isolated samples

`isolation()` gives the ranking's pick as numpy arrays, lowest loss first, with the server's ground truth of
which samples it poisoned. The pictures come from the server too, as PNG thumbnails of the images the session
trained on, so this works against a remote server: the notebook never reads the dataset. `show("ranked")` draws
the ranking's pick, `show()` D_b as it was ascended (the backdoor check's confirmed set), `show("suspects")` the
samples left out of training; red titles mark the poisoned samples, `(was N)` the label they had before."""),
    new_code_cell("""isolated = session.isolation()
print(f"isolated {len(isolated.indices)} of {isolated.train_size} samples: "
      f"precision {isolated.precision:.2f}, recall {isolated.recall:.2f}")"""),
    new_code_cell("""isolated.show("ranked", max_images=16);"""),
    new_markdown_cell("""`session.samples(...)` fetches any of these sets, a class's training samples, or test images beside their
triggered version, as `SampleImage`s (index, label, poisoned flag, loss, and the image as a numpy array):"""),
    new_code_cell("""session.samples("test", max_images=4).show();"""),
    new_code_cell("session.result"),
    new_markdown_cell("""## The trained model

The server saved the model when the session succeeded. `export_model` downloads its parameters (DJL's format)
next to `metadata.json`, which says how to feed them: the architecture, the input shape and the per-channel
normalisation of the training set. `evaluate` runs the saved model on the server, here on 2000 test images,
clean and with the BadNets trigger."""),
    new_code_cell("""import json

params = session.export_model("quickstart-model", progress=False)
print(f"{params} ({params.stat().st_size} bytes)")
metadata = json.loads((params.parent / "metadata.json").read_text())
{k: metadata[k] for k in ("arch", "inputChannels", "inputHeightPx", "inputWidthPx", "numClasses", "pixelMean",
                          "pixelStd")}"""),
    new_code_cell("""session.evaluate(dataset=ablserve.DatasetConfig("fashion-mnist", test_limit=2000), attack=config.attack)"""),
]
nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
})
if "--execute" in sys.argv[1:]:
    import nbclient

    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    nb.metadata.pop("widgets", None)  # tqdm's widget state: large, and useless without a kernel
nbformat.write(nb, Path(__file__).resolve().parent / "quickstart.ipynb")
