"""The attack options from Python: the BadNets patch's corner and margin, Blend's pattern, the all-to-all label mode
and the label-consistent attack; sent, resolved, applied, refused."""
from __future__ import annotations

import grpc
import numpy as np
import pytest

import ablserve
from conftest import assert_echoed, long_config


def _queued(client, attack: ablserve.AttackConfig) -> ablserve.Session:
    config = long_config("attack options")
    config.attack = attack
    return client.create_session(config, priority=-100)


def test_badNetsTopLeft_landsInTheTopLeftCornerOfTheTriggeredTestImages(client):
    attack = ablserve.AttackConfig("badnets", patch_size_px=4, patch_corner="top_left", patch_margin_px=2)
    session = _queued(client, attack)
    try:
        assert_echoed(attack, session.config.attack)
        sample = session.samples("test", indices=[0])[0]
        triggered, clean = sample.image().squeeze(), sample.clean_image().squeeze()
        patch = np.zeros_like(triggered, dtype=bool)
        patch[2:6, 2:6] = True
        assert (triggered[patch] == 255).all()
        assert (triggered[~patch] == clean[~patch]).all()
    finally:
        session.cancel()


def test_blendPatterns_differAndAreEchoed(client):
    sessions = [_queued(client, ablserve.AttackConfig("blend", blend_pattern=pattern, blend_seed=seed))
                for pattern, seed in (("noise", 1), ("noise", 2), ("checkerboard", 1))]
    try:
        assert [s.config.attack.blend_pattern for s in sessions] == ["noise", "noise", "checkerboard"]
        assert [s.config.attack.blend_seed for s in sessions] == [1, 2, 1]
        images = [s.samples("test", indices=[0])[0].image() for s in sessions]
        assert not np.array_equal(images[0], images[1])
        assert not np.array_equal(images[0], images[2])
    finally:
        for s in sessions:
            s.cancel()


def test_badPlacementsAndPatterns_areRefusedNamingTheField(client):
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(ablserve.SessionConfig(attack=ablserve.AttackConfig(patch_margin_px=28)))
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "attack.patch_margin_px must be in [0, 27] for 28x28 images" in str(refused.value)
    with pytest.raises(ablserve.AblError) as unknown:
        client.create_session(ablserve.SessionConfig(attack=ablserve.AttackConfig(patch_corner="middle")))
    assert unknown.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "attack.patch_corner must be one of 'bottom_right'" in str(unknown.value)


def test_allToAll_isEchoedAndTriggersEveryTestImage(client):
    attack = ablserve.AttackConfig("trojan", label_mode="all_to_all")
    sessions = [_queued(client, attack), _queued(client, ablserve.AttackConfig("trojan"))]
    try:
        assert_echoed(attack, sessions[0].config.attack)
        assert sessions[1].config.attack.label_mode == "all_to_one"
        all_to_all, all_to_one = (s.samples("test", max_images=1).total_count for s in sessions)
        assert all_to_all == 200  # long_config's test_limit: every test image, none left out as the target's
        assert all_to_one < all_to_all
    finally:
        for s in sessions:
            s.cancel()


def test_allToAll_isRefusedForSigAndUnknownModes(client):
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(ablserve.SessionConfig(attack=ablserve.AttackConfig("sig", label_mode="all_to_all")))
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "attack.label_mode ALL_TO_ALL applies to BADNETS, BLEND, TROJAN, WANET and DYNAMIC" in str(refused.value)
    with pytest.raises(ablserve.AblError) as unknown:
        client.create_session(ablserve.SessionConfig(attack=ablserve.AttackConfig(label_mode="one_to_one")))
    assert "attack.label_mode must be one of 'all_to_one', 'all_to_all'" in str(unknown.value)


def test_cl_echoesTheGreyBoundAndPatchesTheFourCornersOfTheTestImages(client):
    attack = ablserve.AttackConfig("cl", poison_rate=0.05, cl_steps=5, cl_surrogate_epochs=1)
    session = _queued(client, attack)
    try:
        resolved = session.config.attack
        assert resolved.cl_epsilon == 16.0  # Fashion-MNIST is grey
        assert_echoed(attack, resolved)
        assert resolved.cl_all_corners  # the server's default for CL: the CL paper's four corners
        sample = session.samples("test", indices=[0])[0]
        triggered, clean = sample.image().squeeze(), sample.clean_image().squeeze()
        patch = np.zeros_like(triggered, dtype=bool)
        for rows in (slice(1, 4), slice(24, 27)):
            for cols in (slice(1, 4), slice(24, 27)):
                patch[rows, cols] = True
        assert (triggered[patch] == 255).all()
        assert (triggered[~patch] == clean[~patch]).all()
    finally:
        session.cancel()


def test_cl_leavesTheBoundUnsetForOtherAttacks_andRefusesOutOfRangeSteps(client):
    session = _queued(client, ablserve.AttackConfig("badnets"))
    try:
        assert session.config.attack.cl_epsilon is None
    finally:
        session.cancel()
    with pytest.raises(ablserve.AblError) as refused:
        client.create_session(ablserve.SessionConfig(attack=ablserve.AttackConfig("cl", cl_steps=0)))
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "attack.cl_steps must be in [1, 1000], got 0" in str(refused.value)
