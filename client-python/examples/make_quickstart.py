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
    new_markdown_cell("""Every field of the config has the server's default (see `help(ablserve.AblConfig)`); here: 2000 training
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
    new_markdown_cell("""## The isolated samples

`isolation()` gives the isolated set as numpy arrays, lowest loss first, with the server's ground truth of
which samples it poisoned. The server does not send images, so the grid reads the same Fashion-MNIST files
from this machine and redraws the BadNets patch (one pixel in from the bottom-right corner) on the samples
that were poisoned; red titles mark them."""),
    new_code_cell("""isolated = session.isolation()
print(f"isolated {len(isolated.indices)} of {isolated.train_size} samples: "
      f"precision {isolated.precision:.2f}, recall {isolated.recall:.2f}")"""),
    new_code_cell("""import gzip
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    count, rows, cols = np.frombuffer(data, ">u4", 3, offset=4)
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)


images = read_idx_images(Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
                         / "train-images-idx3-ubyte.gz")
patch = config.attack.patch_size_px
shown = min(len(isolated.indices), 16)
fig, axes = plt.subplots(2, 8, figsize=(10, 3), dpi=72)
for ax in axes.flat:
    ax.axis("off")
for ax, index, loss, poisoned in zip(axes.flat, isolated.indices[:shown], isolated.losses[:shown],
                                     isolated.poisoned[:shown]):
    image = images[index].copy()
    if poisoned:
        image[-1 - patch:-1, -1 - patch:-1] = 255
    ax.imshow(image, cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"#{index} {loss:.3f}", fontsize=8, color="red" if poisoned else "black")
fig.suptitle("isolated samples, lowest loss first (red: poisoned)")
plt.show()"""),
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
