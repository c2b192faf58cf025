"""The final model's confusion matrix: in FinalResult and Evaluation as a DataFrame, and drawn as a heat map."""
from __future__ import annotations

import gzip
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ablserve  # noqa: E402
from ablserve import _events  # noqa: E402
from ablserve._proto.v1 import session_pb2 as pb  # noqa: E402

FASHION_MNIST_TEST_LABELS = Path("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")


def _test_labels(limit: int) -> np.ndarray:
    """The first ``limit`` Fashion-MNIST test labels, read from the server's own files (an IDX header of 8 bytes)."""
    if not FASHION_MNIST_TEST_LABELS.is_file():
        pytest.skip("the Fashion-MNIST files are not on this machine")
    with gzip.open(FASHION_MNIST_TEST_LABELS) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:limit]


def test_finalResult_confusionMatrix_rowsAreTheClassesTestImagesAndItsDiagonalTheirAccuracy(trained):
    matrix = trained.result.confusion_matrix
    labels = _test_labels(trained.config.dataset.test_limit)

    assert matrix.shape == (10, 10)
    assert (matrix.index.name, matrix.columns.name) == ("true class", "predicted class")
    assert list(matrix.sum(axis=1)) == list(np.bincount(labels, minlength=10))
    diagonal = np.diag(matrix.to_numpy()) / matrix.sum(axis=1).to_numpy()
    assert diagonal == pytest.approx(trained.result.class_accuracy, abs=1e-12)
    assert np.trace(matrix.to_numpy()) / len(labels) == pytest.approx(trained.result.clean_accuracy, abs=1e-12)


def test_evaluate_returnsTheSameConfusionMatrixAsTheFinalResult(trained):
    evaluation = trained.evaluate()

    assert evaluation.confusion_matrix.equals(trained.result.confusion_matrix)
    figure = evaluation.plot_confusion_matrix()
    assert figure.axes[0].get_ylabel() == "true class"


def test_plotConfusionMatrix_drawsOneCellPerPairWithItsCount(trained, tmp_path):
    path = tmp_path / "confusion.png"

    figure = trained.plot_confusion_matrix(path=str(path))

    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == [str(v) for v in trained.result.confusion_matrix.to_numpy().ravel()]
    assert "attack target 0" in figure.axes[0].get_xlabel()
    assert path.stat().st_size > 0


def test_confusionMatrix_isNoneFromAServerWithoutIt():
    result = _events.final_result(pb.FinalResult(clean_accuracy=0.9, class_accuracy=[0.8, 1.0]))

    assert result.confusion_matrix is None
    with_matrix = _events.final_result(pb.FinalResult(
        confusion_matrix=pb.ConfusionMatrix(num_classes=2, counts=[3, 1, 0, 4])))
    assert with_matrix.confusion_matrix.to_numpy().tolist() == [[3, 1], [0, 4]]
    assert isinstance(with_matrix, ablserve.FinalResult)
