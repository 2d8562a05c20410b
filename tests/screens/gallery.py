"""Every view of every built-in plugin, each on an input a user would give it.

``cases()`` yields (case name, view id or None for a shell view, dataset). Inputs are the
bundled samples where one fits, else small real runs (real analyses on small inputs, so
the views see what they see in the app: long region names, 64 channels, 448 nodes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

import neurodeck
from neurodeck.data import Result


def _sample(pm, sample_id: str):
    s = next(s for s in pm.contributions("sample_data") if s.id == sample_id)
    return neurodeck.open(s.resolve_path())


def eeg(pm):
    return _sample(pm, "eeg-motor-imagery")


def builders() -> dict[str, Callable]:
    """{case: build(pm) -> [(view id, dataset), ...]} (lazy: a case builds only its own)."""

    def recording(pm):
        return [("browser", eeg(pm))]

    def spikes(pm):
        return [("browser", _sample(pm, "rat-hippocampus-units"))]

    def fmri(pm):
        return [("fmri-slices", _sample(pm, "fmri-run"))]

    def connectome(pm):
        return [("connectome", _sample(pm, "celegans-connectome"))]

    def fc(pm):
        return [("fc-matrix", neurodeck.run("fc", eeg(pm), tmax=20.0))]

    def brainmae(pm):
        return [("brainmae-result", neurodeck.run("brainmae", _sample(pm, "brainmae-demo")))]

    def hmmglm(pm):
        spk = _sample(pm, "rat-hippocampus-units")
        # a short fit (the view is what is looked at): few iterations, wide bins
        res = neurodeck.run("hmmglm", spk, n_states=3, n_restarts=1, max_iter=2,
                            bin_width=0.25)
        return [("hmmglm-states", res)]

    def ntf(pm):
        from neurodeck_ntf.synthetic import planted_traces

        traces, _ = planted_traces(n_neurons=24, n_animals=6, n_times=300, seed=3)
        res = neurodeck.run("ntf", traces, rank=[1, 2, 3], n_restarts=2)
        return [("ntf-components", res), ("ntf-rank", res)]

    def rsa(pm):
        rng = np.random.default_rng(0)
        names = [f"condition {k:02d} ({'face' if k % 2 else 'place'})" for k in range(24)]
        ep = neurodeck.Epochs(rng.normal(size=(96, 16, 60)), [names[i % 24] for i in
                                                              range(96)], sfreq=100.0)
        models = Result({"rdms": rng.random((3, 24 * 23 // 2)),
                         "rdm_names": np.array(["animacy", "low-level", "category"])},
                        {"analysis": "models"})
        sym = rng.random((6, 24, 24))
        brain = Result({"rdms": (sym + sym.transpose(0, 2, 1)) / 2 * (1 - np.eye(24)),
                        "conditions": np.array(names)}, {"analysis": "rsa"})
        plain = neurodeck.run("rsa", brain, models, n_bootstrap=20)
        timed = neurodeck.run("rsa", ep, models, window=5, step=2)
        trsa_in = Result({"rdms": rng.random((8, 24, 24)) + np.eye(24) * 0,
                          "rdm_subjects": np.array(["s1", "s1", "s2", "s2", "s3", "s3",
                                                    "s4", "s4"]),
                          "rdm_groups": np.array(["a", "b"] * 4),
                          "conditions": np.array(names)}, {"analysis": "rsa"})
        sym = trsa_in["rdms"]
        trsa_in["rdms"][:] = (sym + sym.transpose(0, 2, 1)) / 2 * (1 - np.eye(24))
        trsa = neurodeck.run("trsa", trsa_in, grid=3, n_bootstrap=5)
        return [("rsa-rdm", timed), ("rsa-mds", plain), ("rsa-models", plain),
                ("rsa-time", timed), ("rsa-rdm", trsa), ("trsa-grid", trsa)]

    def mne_views(pm):
        raw = eeg(pm)
        epochs = neurodeck.transform("epochs", raw, tmin=-0.5, tmax=1.0)
        evoked = neurodeck.transform("average", epochs)
        psd = neurodeck.run("psd", raw)
        tfr = neurodeck.run("tfr", epochs, freqs="8:30:2", baseline="-0.2, 0")
        short = neurodeck.transform("crop", raw, tmax=30.0)
        ica = neurodeck.transform("ica-fit", short, n_components=6)
        return [("mne-psd", psd), ("mne-tfr", tfr), ("mne-evoked", evoked),
                ("mne-epochs-image", epochs), ("mne-drop-log", epochs), ("mne-ica", ica)]

    def imaging(pm):
        from pathlib import Path

        fixtures = Path(__file__).parents[1] / "imaging" / "fixtures"
        out = []
        plane = fixtures / "suite2p" / "plane0"
        if plane.exists():  # a checkout's tests; an sdist may lack the fixtures
            out.append(("imaging", neurodeck.open(plane)))
        import tempfile

        import tifffile

        folder = Path(tempfile.mkdtemp(prefix="neurodeck-movie-"))
        frames = np.random.default_rng(0).integers(100, 2000, (60, 64, 64), dtype=np.uint16)
        tifffile.imwrite(folder / "movie.tif", frames, imagej=True, metadata={"fps": 30.0})
        out.append(("movie", neurodeck.open(folder / "movie.tif")))
        return out

    def shell(pm):
        fc_res = neurodeck.run("fc", eeg(pm), tmax=10.0)
        return [(None, fc_res)]

    return {"recording": recording, "spikes": spikes, "fmri": fmri,
            "connectome": connectome, "fc": fc, "brainmae": brainmae, "hmmglm": hmmglm,
            "ntf": ntf, "rsa": rsa, "mne": mne_views, "imaging": imaging, "shell": shell}


def cases(pm, only: list[str] | None = None
          ) -> Iterator[tuple[str, Callable[[], list[tuple[str | None, object]]]]]:
    """(case, build) pairs: ``build()`` returns [(view id, dataset), ...]."""
    for name, build in builders().items():
        if not only or name in only:
            yield name, lambda build=build: build(pm)
