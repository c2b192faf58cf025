"""Pictures from the server: sample thumbnails, the isolated grid, the loss curves and per-class accuracy, drawn
without the client reading any dataset (as against a remote server)."""
import sys

import grpc
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ablserve  # noqa: E402
from ablserve._proto.v1 import results_pb2 as rpb  # noqa: E402

SERVER_DATA = "/usr/share/datasets"
_opened = []
_watching = False


def _audit(event, args):
    if _watching and event == "open" and str(args[0]).startswith(SERVER_DATA):
        _opened.append(args[0])


sys.addaudithook(_audit)  # for the life of the process; it records only while a test watches


@pytest.fixture
def no_local_datasets(monkeypatch):
    """Fails the test if the client opens a file of the server's datasets; points the old notebook's variable at a
    folder that does not exist."""
    global _watching
    monkeypatch.setenv("FASHION_MNIST_DIR", "/nonexistent/fashion-mnist")
    _opened.clear()
    _watching = True
    yield
    _watching = False
    assert _opened == [], f"the client read the server's data: {_opened}"


def _image_axes(figure):
    return [ax for ax in figure.axes if ax.images]


def test_isolationShow_drawsALabelledGridFromTheServersThumbnails(trained, no_local_datasets, tmp_path):
    isolation = trained.isolation()

    figure = isolation.show("ranked", max_images=16, path=str(tmp_path / "grid.png"))

    assert isinstance(figure, matplotlib.figure.Figure)
    axes = _image_axes(figure)
    assert len(axes) == min(16, len(isolation.indices))
    first = axes[0].get_title()
    assert first.startswith(f"#{isolation.indices[0]} y=") and "loss" in first
    assert (tmp_path / "grid.png").stat().st_size > 0
    assert isinstance(isolation.show(), matplotlib.figure.Figure)  # D_b as ascended, maybe empty


def test_samples_carryTheIsolationsIndicesPoisonedFlagsAndLosses(trained, no_local_datasets):
    isolation = trained.isolation()

    ranked = trained.samples("ranked", max_images=256)

    assert ranked.total_count == len(isolation.indices) == len(ranked)
    assert [s.index for s in ranked] == isolation.indices.tolist()
    assert [s.poisoned for s in ranked] == isolation.poisoned.tolist()
    assert np.allclose([s.loss for s in ranked], isolation.losses)
    image = ranked[0].image()
    assert image.shape == (28, 28) and image.dtype == np.uint8
    for s in ranked:
        assert (s.clean_image() is not None) == s.poisoned
        if s.poisoned:
            assert s.label == 0 and s.true_label != 0  # BadNets' default target
    assert list(ranked.frame().columns) == ["index", "label", "true_label", "poisoned", "loss"]


def test_samples_ofAClass_pageByOffset(trained):
    whole = trained.samples("class", label=3, max_images=256)
    page = trained.samples("class", label=3, offset=5, max_images=10)

    assert 0 < whole.total_count == len(whole) == page.total_count
    assert all(s.label == 3 for s in whole)
    assert [s.index for s in whole] == sorted(s.index for s in whole)
    assert [s.index for s in page] == [s.index for s in whole][5:15]


def test_testSamples_pairTheTriggeredImageWithTheCleanOne(trained, no_local_datasets):
    samples = trained.samples("test", max_images=4)

    assert len(samples) == 4 and all(s.poisoned for s in samples)
    for s in samples:
        assert s.clean_image().shape == s.image().shape == (28, 28)
        assert not np.array_equal(s.clean_image(), s.image())
    assert len(_image_axes(samples.show())) == 8  # clean, then triggered


def test_getSampleImages_refusesMoreThan256ImagesACall(client, trained):
    request = rpb.GetSampleImagesRequest(session_id=trained.id, set=rpb.SAMPLE_SET_RANKED, max_images=257)
    with pytest.raises(ablserve.AblError) as refused:
        client._unary(client._results.GetSampleImages, request, None)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "max_images must be in [0, 256]" in str(refused.value)
    with pytest.raises(ValueError):
        trained.samples("train", indices=range(257))


def test_plotLosses_drawsThePoisonedAndTheCleanCurve(trained):
    figure = trained.plot_losses()

    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["poisoned samples", "clean samples"]
    # One point per epoch trained: abl.epochs, plus the isolation epochs when nothing was confirmed (retraining).
    assert all(len(line.get_xdata()) == trained.result.epochs for line in lines)
    assert trained.result.epochs >= trained.config.abl.epochs


def test_plotClassAccuracy_drawsOneBarPerClass(trained):
    figure = trained.plot_class_accuracy()

    assert len(figure.axes[0].patches) == 10
