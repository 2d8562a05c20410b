"""TIFF movies through tifffile: ScanImage, OME-TIFF, ImageJ hyperstacks, plain page stacks.

Opening reads the headers only. When the image data lie contiguous and uncompressed
(ScanImage and ImageJ write them so) the frames are a ``numpy.memmap`` of the file, so a
10 GB movie opens at once and a frame costs one page of disk; otherwise frames are read
page by page when asked. Axes are taken from tifffile's series (``T``/``I``/``Q`` time,
``Z`` planes, ``C`` channels); ScanImage files whose pages tifffile lists flat are split
by the header's slice and channel counts (channel fastest, then slice, as ScanImage
writes). A stack without a time axis (an ImageJ image sequence saved as slices, or as
more than 8 channels) is read as frames. A file with several planes or channels is a
study, one member per plane and channel (``plane=``, ``channel=``).

Frame rate, in order: ``sfreq=``; ScanImage ``SI.hRoiManager.scanVolumeRate`` (several
planes) or ``scanFrameRate``; OME ``TimeIncrement``; ImageJ ``finterval``/``fps``; a JSON
``fps``/``sfreq`` in tifffile's own (shaped) JSON description; a JSON sidecar; otherwise
:class:`~neurodeck_imaging.rates.RateNeeded`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.data import Study
from neurodeck.data.study import FileMember
from neurodeck.errors import NotMine, ReadError
from neurodeck.safety import guarded

from . import rates
from .dataset import Movie

TIME_AXES = ("T", "I", "Q")
#: More "channels" than this in a file without a time axis are frames.
MAX_CHANNELS = 8


@dataclass
class Layout:
    """Where each frame of each (plane, channel) lives among the pages."""

    n_frames: int
    n_planes: int
    n_channels: int
    height: int
    width: int
    dtype: np.dtype
    order: tuple[str, ...]  # the page axes, slowest first, among "T", "Z", "C"
    sizes: dict[str, int]

    def page(self, t: int | np.ndarray, z: int, c: int) -> np.ndarray:
        index = {"T": np.asarray(t), "Z": z, "C": c}
        dims = tuple(self.sizes[a] for a in self.order)
        return np.ravel_multi_index(tuple(index[a] for a in self.order), dims)


def sniff(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4)
    return head in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _open(path: Path) -> Any:
    import tifffile

    try:
        return tifffile.TiffFile(path)
    except Exception as exc:  # noqa: BLE001 - tifffile raises many types on bad headers
        raise ReadError(path, f"not a readable TIFF ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None


def layout(tif: Any, path: Path) -> Layout:
    series = tif.series[0]
    axes, shape = series.axes, tuple(int(s) for s in series.shape)
    if "S" in axes:  # RGB samples: imaging movies are single-sample; take the first
        raise ReadError(path, f"colour (RGB) TIFF with axes {axes}: not an imaging movie")
    if axes[-2:] != "YX":
        raise ReadError(path, f"the image axes are {axes!r}, expected ...YX")
    sizes: dict[str, int] = {"T": 1, "Z": 1, "C": 1}
    order: list[str] = []
    for a, n in zip(axes[:-2], shape[:-2], strict=True):
        key = "T" if a in TIME_AXES else a
        if key not in sizes:
            raise ReadError(path, f"unsupported axis {a!r} in {axes!r}")
        if key in order:  # e.g. "TI": fold into one time axis
            sizes[key] *= n
            continue
        sizes[key] = n
        order.append(key)
    if "T" not in order:
        # No time axis: a plain image sequence saved as slices (ImageJ) or as more
        # "channels" than a microscope has (tifffile's ImageJ default for 3-D arrays) -
        # for a movie reader those are the frames.
        pick = [a for a in ("Z", "C") if a in order and (a == "Z" or sizes[a] > MAX_CHANNELS)]
        if pick:
            a = max(pick, key=lambda k: sizes[k])
            order[order.index(a)] = "T"
            sizes["T"], sizes[a] = sizes[a], 1
    if tif.is_scanimage and order == ["T"]:
        z, c = _scanimage_counts(tif)
        total = sizes["T"]
        if z * c > 1 and total % (z * c) == 0:
            sizes.update(T=total // (z * c), Z=z, C=c)
            order = ["T", "Z", "C"]
    for a in ("T", "Z", "C"):
        if a not in order:
            order.append(a)
    return Layout(sizes["T"], sizes["Z"], sizes["C"], shape[-2], shape[-1],
                  np.dtype(series.dtype), tuple(order), sizes)


def scanimage_frame_data(tif: Any) -> dict[str, Any]:
    """ScanImage's non-varying ``SI.*`` settings: the header block tifffile parses, or
    (files without it) the ``key = value`` lines ScanImage 2016+ also writes in each
    page's Software tag."""
    frame = (tif.scanimage_metadata or {}).get("FrameData") or {}
    if frame:
        return frame
    import tifffile

    out: dict[str, Any] = {}
    for line in str(tif.pages[0].software or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().startswith("SI."):
            try:
                out[key.strip()] = tifffile.matlabstr2py(value.strip())
            except Exception:  # noqa: BLE001 - one odd value does not spoil the rest
                continue
    return out


def _scanimage_counts(tif: Any) -> tuple[int, int]:
    frame = scanimage_frame_data(tif)
    z = frame.get("SI.hStackManager.actualNumSlices", frame.get("SI.hStackManager.numSlices"))
    chans = frame.get("SI.hChannels.channelSave", 1)
    try:
        z = int(z) if z else 1
    except (TypeError, ValueError):
        z = 1
    c = len(chans) if isinstance(chans, (list, tuple)) else 1
    return max(z, 1), max(c, 1)


def frame_rate(tif: Any, n_planes: int) -> tuple[Any, str] | None:
    """(rate, where) from the file's own metadata, or None."""
    if tif.is_scanimage:
        frame = scanimage_frame_data(tif)
        key = "SI.hRoiManager.scanVolumeRate" if n_planes > 1 else \
            "SI.hRoiManager.scanFrameRate"
        if frame.get(key):
            return frame[key], f"ScanImage {key}"
    if tif.is_ome and tif.ome_metadata:
        m = re.search(r'TimeIncrement="([0-9.eE+-]+)"', tif.ome_metadata)
        if m and float(m.group(1)) > 0:
            unit = re.search(r'TimeIncrementUnit="([^"]+)"', tif.ome_metadata)
            scale = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "min": 60.0}.get(
                unit.group(1) if unit else "s", 1.0)
            return 1.0 / (float(m.group(1)) * scale), "OME TimeIncrement"
    if tif.is_imagej and tif.imagej_metadata:
        ij = tif.imagej_metadata
        if ij.get("finterval"):
            unit = str(ij.get("tunit", "sec")).lower()
            scale = 1e-3 if unit in ("ms", "msec") else (60.0 if unit.startswith("min")
                                                         else 1.0)
            return 1.0 / (float(ij["finterval"]) * scale), "ImageJ finterval"
        if ij.get("fps"):
            return ij["fps"], "ImageJ fps"
    if tif.is_shaped and tif.shaped_metadata:  # tifffile's own JSON description
        for md in tif.shaped_metadata:
            for key in ("fps", "sfreq", "frame_rate", "sampling_rate"):
                if isinstance(md, dict) and md.get(key):
                    return md[key], f"tifffile metadata {key!r}"
    return None


class TiffFrames:
    """Frames of one plane and channel, read from the pages when indexed (thread-safe)."""

    def __init__(self, path: Path, lay: Layout, plane: int, channel: int):
        self.path, self.layout, self.plane, self.channel = path, lay, plane, channel
        self.shape = (lay.n_frames, lay.height, lay.width)
        self.dtype = lay.dtype
        self.ndim = 3
        self._tif: Any = None
        self._lock = threading.Lock()

    def _pages(self) -> Any:
        if self._tif is None:
            self._tif = _open(self.path)
        return self._tif

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        frames = np.arange(self.shape[0])[first]
        pages = self.layout.page(frames, self.plane, self.channel)
        with self._lock:
            tif = self._pages()
            try:
                if np.ndim(pages) == 0:
                    out = tif.pages[int(pages)].asarray()
                else:
                    out = np.stack([tif.pages[int(p)].asarray() for p in np.ravel(pages)]) \
                        if np.size(pages) else np.zeros((0, *self.shape[1:]), self.dtype)
            except ReadError:
                raise
            except Exception as exc:  # noqa: BLE001 - damaged pages: say which file
                raise ReadError(self.path, f"a frame cannot be read ({type(exc).__name__}: "
                                           f"{str(exc)[:200]})") from None
        return out[(Ellipsis, *rest)] if rest else out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self[:]
        return out if dtype is None else out.astype(dtype)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_tif", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _tif=None, _lock=threading.Lock())


def _memmap(tif: Any, lay: Layout, plane: int, channel: int) -> np.ndarray | None:
    """A zero-copy view of the frames when the series is contiguous and uncompressed."""
    series = tif.series[0]
    if series.dataoffset is None or tif.pages[0].compression != 1:
        return None
    try:
        import tifffile

        mm = tifffile.memmap(tif.filehandle.path, mode="r", series=0)
    except Exception:  # noqa: BLE001 - not mappable after all: read by page
        return None
    dims = tuple(lay.sizes[a] for a in lay.order)
    try:
        arr = mm.reshape(*dims, lay.height, lay.width)
    except ValueError:
        return None
    index = {"T": slice(None), "Z": plane, "C": channel}
    return arr[tuple(index[a] for a in lay.order)]


@guarded  # called on files before they are opened (studies): probed first
def _check_size(path: Path, tif: Any, lay: Layout) -> None:
    """A truncated file is refused at open, not when its last frame is shown."""
    size = path.stat().st_size
    series = tif.series[0]
    pages = lay.n_frames * lay.n_planes * lay.n_channels
    if series.dataoffset is not None:
        need = series.dataoffset + pages * lay.height * lay.width * lay.dtype.itemsize
    else:
        try:
            last = tif.pages[pages - 1]
            need = max(o + n for o, n in zip(last.dataoffsets, last.databytecounts,
                                             strict=True))
        except Exception as exc:  # noqa: BLE001 - the last page's header is damaged
            raise ReadError(path, f"the last frame's header is unreadable ({exc})") from None
    if need > size:
        raise ReadError(path, f"the file is truncated: its frames need {need} bytes, the "
                              f"file holds {size}")


def members(path: str | Path) -> list[dict[str, Any]]:
    """One member per (plane, channel) of a multi-plane or multi-channel movie."""
    path = Path(path)
    with _open(path) as tif:
        lay = layout(tif, path)
    if lay.n_planes * lay.n_channels < 2:
        return []
    return [{"key": f"plane{z}_ch{c}", "options": {"plane": z, "channel": c},
             "meta": {"plane": z, "channel": c, "frames": lay.n_frames}, "kind": "movie"}
            for z in range(lay.n_planes) for c in range(lay.n_channels)]


def read(path: str | Path, *, plane: int | None = None, channel: int | None = None,
         sfreq: float | None = None) -> Movie | Study:
    """A movie of one plane and channel (or a study of them all)."""
    path = Path(path)
    with _open(path) as tif:
        if not tif.series:
            raise NotMine(path, "the TIFF holds no image series")
        lay = layout(tif, path)
        several = lay.n_planes * lay.n_channels > 1
        if several and plane is None and channel is None:
            opts = {} if sfreq is None else {"sfreq": sfreq}
            return Study([FileMember(m["key"], m["meta"], "movie", path=path,
                                     reader="tiff-movie", options={**opts, **m["options"]})
                          for m in members(path)], name=path.name, source=path)
        z, c = int(plane or 0), int(channel or 0)
        if not (0 <= z < lay.n_planes and 0 <= c < lay.n_channels):
            raise ReadError(path, f"plane {z} / channel {c} out of range ({lay.n_planes} "
                                  f"planes, {lay.n_channels} channels)")
        rate, source = rates.resolve(path, sfreq, frame_rate(tif, lay.n_planes),
                                     "this TIFF")
        fmt = "ScanImage" if tif.is_scanimage else "OME-TIFF" if tif.is_ome else \
            "ImageJ" if tif.is_imagej else "TIFF"
        _check_size(path, tif, lay)
        data = _memmap(tif, lay, z, c)
    storage = "memory-mapped" if data is not None else "read by page"
    if data is None:
        data = TiffFrames(path, lay, z, c)
    name = path.name if not several else f"{path.name}:plane{z}_ch{c}"
    return Movie(data, rate, name=name, source=path,
                 meta={"format": fmt, "sfreq_source": source, "plane": z, "channel": c,
                       "storage": storage, "planes": lay.n_planes, "channels": lay.n_channels})
