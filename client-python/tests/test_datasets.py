import hashlib
import io

import grpc
import numpy as np
import pandas as pd
import pytest

import ablserve


def _arrays(train=300, test=60, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (train, 28, 28), dtype=np.uint8), rng.integers(0, 10, train, dtype=np.int64),
            rng.integers(0, 256, (test, 28, 28), dtype=np.uint8), rng.integers(0, 10, test, dtype=np.int64))


def test_uploadDataset_numpyArraysRoundTripIntoATrainingSession(client, capsys):
    x, y, x_test, y_test = _arrays()
    dataset = client.upload_dataset(x, y, x_test, y_test, name="random 300")
    assert (dataset.name, dataset.format, dataset.train_samples, dataset.test_samples) == ("random 300", "npz", 300, 60)
    assert (dataset.channels, dataset.height_px, dataset.width_px, dataset.num_classes) == (1, 28, 28, 10)
    packed = io.BytesIO()
    np.savez(packed, x_train=x, y_train=y, x_test=x_test, y_test=y_test)
    assert dataset.sha256.lower() == hashlib.sha256(packed.getvalue()).hexdigest()
    assert dataset.size_bytes == len(packed.getvalue())
    assert capsys.readouterr().err == ""  # no progress bar off a terminal
    assert dataset.id in [d.id for d in client.datasets()]

    session = client.create_session(ablserve.SessionConfig(
        dataset=ablserve.DatasetConfig(dataset.id),
        abl=ablserve.AblConfig(epochs=2, isolation_epochs=1, batch_size=64)))
    assert session.config.dataset.name == dataset.id
    assert session.wait(progress=False, timeout=300).state == "succeeded"
    assert session.isolation().train_size == 300

    client.delete_dataset(dataset.id)
    assert dataset.id not in [d.id for d in client.datasets()]


def test_uploadDataset_fromAnNpzFileAndAFolder(client, tmp_path):
    x, y, x_test, y_test = _arrays(train=100, test=20, seed=1)
    np.savez_compressed(tmp_path / "small.npz", x_train=x, y_train=y, x_test=x_test, y_test=y_test)
    from_file = client.upload_dataset(str(tmp_path / "small.npz"), name="file", progress=False)
    assert (from_file.format, from_file.train_samples) == ("npz", 100)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "dataset.npz").write_bytes((tmp_path / "small.npz").read_bytes())
    from_folder = client.upload_dataset(folder, name="folder", progress=False)
    assert (from_folder.format, from_folder.train_samples) == ("zip", 100)
    for d in (from_file, from_folder):
        client.delete_dataset(d.id)


def test_datasets_takesEveryPage(client):
    x, y, x_test, y_test = _arrays(train=30, test=10, seed=2)
    uploaded = [client.upload_dataset(x, y, x_test, y_test, name=f"paged {i}", progress=False) for i in range(3)]
    try:
        listed = [d.id for d in client.datasets()]
        assert len(listed) == len(set(listed)) >= 3, "more than one page of 2, none twice"
        assert [d.id for d in reversed(uploaded)] == [i for i in listed if i in {d.id for d in uploaded}]
    finally:
        for d in uploaded:
            client.delete_dataset(d.id)


def test_uploadDataset_wrongDtypeRaisesTheServersDescription(client):
    x, y, x_test, y_test = _arrays(train=50, test=10)
    with pytest.raises(ablserve.AblError) as raised:
        client.upload_dataset(x.astype(np.float32), y, x_test, y_test, name="floats", progress=False)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "x_train" in raised.value.description, raised.value.description


def test_uploadDataset_mismatchedLengthsRaiseTheServersDescription(client):
    x, y, x_test, y_test = _arrays(train=50, test=10)
    with pytest.raises(ablserve.AblError) as raised:
        client.upload_dataset(x, y[:49], x_test, y_test, name="short labels", progress=False)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "50" in raised.value.description and "49" in raised.value.description, raised.value.description


def test_deleteDataset_unknownIdRaisesNotFound(client):
    with pytest.raises(ablserve.AblError) as raised:
        client.delete_dataset("ds-" + "0" * 32)
    assert raised.value.code == grpc.StatusCode.NOT_FOUND


def test_datasets_listTheConfiguredFashionMnistBesideUploads(client):
    datasets = client.datasets()

    fashion = next(d for d in datasets if d.id == "fashion-mnist")
    assert (fashion.kind, fashion.name, fashion.layout, fashion.owner) == ("configured", "fashion-mnist", "IDX", "")
    assert all(d.kind in ("configured", "uploaded") for d in datasets)
    assert "kind" in pd.DataFrame(datasets).columns


def test_datasets_takesEveryPageOfTheConfiguredOnes(client):
    configured = [d.name for d in client.datasets() if d.kind == "configured"]

    assert configured == ["fashion-mnist", "paging-a", "paging-b"], "three configured ones on pages of 2, by name"
