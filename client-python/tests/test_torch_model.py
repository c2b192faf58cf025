"""Session.torch_model(): the server's trained network as a PyTorch module, which must classify the test set as
the server's Evaluate does, for every architecture. Skipped without ablserve[torch]."""
import gzip
from pathlib import Path

import numpy as np
import pytest

import ablserve

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
TEST_LIMIT = 500


def _config(model: str, train_limit: int) -> ablserve.SessionConfig:
    """Plain training for two short epochs: enough to move every weight and BatchNorm statistic off its start."""
    return ablserve.SessionConfig(
        dataset=ablserve.DatasetConfig("fashion-mnist", train_limit=train_limit, test_limit=TEST_LIMIT),
        attack=ablserve.AttackConfig("none"),
        abl=ablserve.AblConfig(defense="none", epochs=2, isolation_epochs=1, batch_size=32,
                               final_decay_epochs=0),
        model=model,
        seed=11,
        display_name=f"pytest torch {model}",
    )


def _test_set(limit: int):
    """The first ``limit`` Fashion-MNIST test images (uint8, N x 1 x 28 x 28) and labels, as the server reads them."""
    with gzip.open(FASHION_MNIST / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:limit]
    with gzip.open(FASHION_MNIST / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:limit]
    return images, labels


@pytest.mark.parametrize("model, train_limit", [
    ("small_cnn", 1024), ("wrn_16_1", 1024),
    # The ResNets take minutes per thousand images on two cores; ResNet-34 on fewer collapses onto one class.
    pytest.param("resnet_18", 512, marks=pytest.mark.slow), pytest.param("resnet_34", 1024, marks=pytest.mark.slow)])
def test_torchModel_classifiesTheTestSetAsTheServersEvaluate(client, model, train_limit):
    session = client.create_session(_config(model, train_limit))
    session.wait(progress=False, timeout=600)
    assert session.state == "succeeded", session.failure_reason

    net = session.torch_model(timeout=300)

    assert isinstance(net, torch.nn.Module) and not net.training
    images, labels = _test_set(TEST_LIMIT)
    with torch.no_grad():
        logits = net(torch.from_numpy(images.copy()).float() / 255)
    predicted = logits.argmax(1).numpy()
    accuracy = float((predicted == labels).mean())
    server = session.evaluate(timeout=300)  # ResNet-34 on a busy machine: more than the client's 30 s
    assert server.test_size == TEST_LIMIT
    assert accuracy == pytest.approx(server.clean_accuracy, abs=0.001)  # within 0.1 point
    # Not collapsed onto one class, where any two networks would agree.
    assert len(np.unique(predicted)) >= 3, np.bincount(predicted)


def test_torchModel_stateDictKeysAreTheExportedNames(trained, tmp_path):
    from safetensors import safe_open

    path = trained.export_model(tmp_path, format="safetensors", progress=False)
    with safe_open(str(path), framework="pt") as f:
        names = set(f.keys())

    net = trained.torch_model(normalize=False)

    keys = {k for k in net.state_dict() if not k.endswith("num_batches_tracked")}
    assert keys == names
    assert not net.normalize and net.pixel_mean.shape == (1, 1, 1, 1)
