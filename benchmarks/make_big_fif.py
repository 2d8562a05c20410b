"""Write a large synthetic FIF recording without holding it in memory.

One minute of 256-channel pink-ish noise with a few spikes is generated in
memory, saved once, then the file is concatenated with itself (read lazily) and
saved as float32: MNE streams the copy buffer by buffer, and splits files above
2 GB into ``name_raw.fif`` + ``name_raw-1.fif`` (read back transparently).

    python benchmarks/make_big_fif.py /tmp/neurodeck_bench/big_raw.fif --minutes 60
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def make_big_fif(path: Path, n_channels: int = 256, sfreq: float = 1000.0,
                 minutes: float = 60.0, seed: int = 0) -> Path:
    import mne

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = int(60 * sfreq)
    # random walk with leak: 1/f-like EEG background, ~20 uV
    noise = rng.standard_normal((n_channels, n)).astype(np.float32)
    data = np.empty_like(noise)
    acc = np.zeros(n_channels, np.float32)
    for i in range(n):
        acc = 0.97 * acc + noise[:, i]
        data[:, i] = acc
    data *= 20e-6 / data.std()
    spikes = rng.integers(0, n, 30)
    data[:, spikes] += 150e-6
    names = [f"EEG{i:03d}" for i in range(n_channels)]
    info = mne.create_info(names, sfreq, "eeg")
    chunk = path.with_name(path.stem + "_chunk_raw.fif")
    mne.io.RawArray(data, info, verbose=False).save(chunk, fmt="single", overwrite=True,
                                                    verbose=False)
    del data, noise
    n_chunks = int(np.ceil(minutes))
    raws = [mne.io.read_raw_fif(chunk, preload=False, verbose=False) for _ in range(n_chunks)]
    raw = mne.concatenate_raws(raws, verbose=False)
    onsets = np.arange(5.0, minutes * 60, 37.0)
    raw.set_annotations(mne.Annotations(onsets, np.full(onsets.size, 1.0),
                                        ["stim"] * onsets.size))
    raw.save(path, fmt="single", overwrite=True, split_size="2GB", verbose=False)
    chunk.unlink()
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("path", type=Path)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--channels", type=int, default=256)
    args = ap.parse_args()
    print(make_big_fif(args.path, args.channels, minutes=args.minutes))


if __name__ == "__main__":
    main()
