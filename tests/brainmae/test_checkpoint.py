"""Checkpoint files: round trips, and refusal of anything wrong or executable."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from neurodeck_brainmae import checkpoint
from neurodeck_brainmae.config import Head

from neurodeck.errors import ReadError


def test_safetensors_round_trip(tmp_path, make_config, make_weights):
    config = make_config(head=Head("regression", ("age",), "years"))
    w = make_weights(config)
    path = checkpoint.save(tmp_path / "m", config, w)
    assert path.suffix == ".safetensors" and path.with_suffix(".json").exists()
    for name in (path, path.with_suffix(".json")):
        cfg2, w2 = checkpoint.load(name)
        assert cfg2 == config
        assert set(w2) == set(w)
        for k in w:
            np.testing.assert_array_equal(w2[k], w[k])


def test_saved_files_respect_the_umask_and_leave_no_temporary(tmp_path, make_config,
                                                            make_weights):
    import os

    config = make_config()
    old = os.umask(0o022)
    try:
        path = checkpoint.save(tmp_path / "m", config, make_weights(config))
    finally:
        os.umask(old)
    for name in (path, path.with_suffix(".json")):
        assert name.stat().st_mode & 0o777 == 0o644, oct(name.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.safetensors"]


def test_torch_state_dict_round_trip(tmp_path, make_config, torch_twin):
    torch = torch_twin
    from neurodeck_brainmae.torch_model import TorchBrainMAE

    config = make_config()
    net = TorchBrainMAE(config)
    torch.save(net.state_dict(), tmp_path / "m.pt")
    config.save(tmp_path / "m.json")
    cfg2, w2 = checkpoint.load(tmp_path / "m.pt")
    assert cfg2 == config
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(w2[k], v.numpy())


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_pickled_objects_are_refused(tmp_path, make_config, torch_twin):
    torch = torch_twin

    class Boom:
        def __reduce__(self):
            return (print, ("this must never run",))

    config = make_config()
    config.save(tmp_path / "m.json")
    torch.save({"x": Boom()}, tmp_path / "m.pt")
    with pytest.raises(ReadError, match="not a plain PyTorch state dict"):
        checkpoint.load(tmp_path / "m.pt")
    # a raw pickle named .pt is refused the same way
    (tmp_path / "m.pt").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ReadError):
        checkpoint.load(tmp_path / "m.pt")


def test_bad_checkpoints_give_clear_errors(tmp_path, make_config, make_weights):
    config = make_config()
    w = make_weights(config)
    path = checkpoint.save(tmp_path / "m", config, w)

    lonely = checkpoint.save(tmp_path / "lonely", config, w)
    lonely.with_suffix(".json").unlink()
    with pytest.raises(ReadError, match="config is missing"):
        checkpoint.load(lonely)

    bad = tmp_path / "corrupt.safetensors"
    bad.write_bytes(b"\x00" * 40)
    config.save(tmp_path / "corrupt.json")
    with pytest.raises(ReadError, match="safetensors"):
        checkpoint.load(bad)

    # the same weights under a config for another atlas (20 regions): shape mismatch
    other = make_config(n_regions=20)
    other.save(path.with_suffix(".json"))
    with pytest.raises(ReadError, match="roi_embedding.*another atlas"):
        checkpoint.load(path)

    data = config.to_json()
    data["format"] = "something-else"
    path.with_suffix(".json").write_text(json.dumps(data))
    with pytest.raises(ReadError, match="not a BrainMAE config"):
        checkpoint.load(path)

    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(ReadError, match="JSON"):
        checkpoint.load(path)

    config.save(path.with_suffix(".json"))
    w_nan = dict(w)
    w_nan["mask_token"] = np.full_like(w["mask_token"], np.nan)
    from safetensors.numpy import save_file
    save_file(w_nan, str(path))
    with pytest.raises(ReadError, match="not finite"):
        checkpoint.load(path)

    del w_nan["mask_token"]
    save_file({k: v for k, v in w.items() if k != "mask_token"}, str(path))
    with pytest.raises(ReadError, match="missing mask_token"):
        checkpoint.load(path)

    with pytest.raises(ReadError, match="safetensors"):
        checkpoint.load(tmp_path / "m.npz")


def test_shipped_checkpoint_is_small_and_loads():
    config, w = checkpoint.load()
    size = sum(p.stat().st_size for p in (checkpoint.SHIPPED,
                                          checkpoint.SHIPPED.with_suffix(".json")))
    assert size < 5e6
    assert config.architecture.n_regions == 94 and config.tr == pytest.approx(0.72)
    assert len(config.regions) == 94 and config.regions[0] == "Precentral_L"
    assert config.training["heldout"] and not set(config.training["heldout"]) & set(
        config.training["data"])
