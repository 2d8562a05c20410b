"""Generators of hostile input files (nothing binary is committed: every case is built here).

Each generator writes its files under a case folder and returns :class:`Case` objects.
A case names the issue item it covers, what to do with it (``open`` it like a user, or
``call`` a loader such as an RSA model file), and what a correct app does: ``"error"``
(a clean :class:`~neurodeck.errors.ReadError` naming the file) or ``"any"`` (opening is
fine too). Files outside the case folder that a case points at are *secrets*: reading,
writing or deleting one is a finding. Payloads that would run code write a *canary* file.

Add a class of input by adding a generator to :data:`GENERATORS` (the workspace, plugin
discovery and batch classes of issue 17 arrive this way).
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MB = 2**20


@dataclass
class Case:
    name: str
    item: str  # the issue-17 item: "4 native", "5 bombs", ...
    path: Path
    expect: str = "error"  # "error" or "any"
    options: dict[str, Any] = field(default_factory=dict)
    call: str | None = None  # "module:function" loader instead of neurodeck.open
    need: str = ""  # words a clean error must contain (e.g. the field name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "item": self.item, "path": str(self.path),
                "expect": self.expect, "options": self.options, "call": self.call,
                "need": self.need}


class Env:
    """Where a generator writes: a folder per case, one secret folder, the canary."""

    def __init__(self, root: Path):
        self.root = root
        self.secrets = root / "outside"
        self.secrets.mkdir(parents=True, exist_ok=True)
        self.canary = root / "canary"
        (self.secrets / "secret.txt").write_text("the user's private notes\n")
        (self.secrets / "secret.eeg").write_bytes(os.urandom(64 * 1024))
        self.secret_h5 = self.secrets / "secret.h5"
        import h5py

        with h5py.File(self.secret_h5, "w") as f:
            f["d"] = np.arange(1000.0)
            f["traces"] = np.ones((4, 100))

    def folder(self, name: str) -> Path:
        path = self.root / "cases" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def payload(self) -> bytes:
        """A pickle that writes the canary when unpickled."""
        class Boom:
            def __reduce__(self):  # noqa: ANN204
                return (os.system, (f"touch {self.canary_path}",))
        boom = Boom()
        boom.canary_path = self.canary  # type: ignore[attr-defined]
        return pickle.dumps(boom, protocol=2)


# -- byte builders -----------------------------------------------------------------------------
def _deflate_zeros(prefix: bytes, n_zeros: int, raw: bool) -> bytes:
    """A deflate stream of ``prefix`` + ``n_zeros`` zero bytes, built in ~0.1 s whatever
    the size: after a full flush the compressor restarts, so every 16 MiB block of zeros
    compresses to the same bytes, which are repeated."""
    chunk = 16 * MB
    c = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    k, rest = divmod(n_zeros, chunk)
    if k == 0:
        head += c.compress(bytes(rest)) + c.flush(zlib.Z_FULL_FLUSH)
        tail = c.flush(zlib.Z_FINISH)
        return head + tail
    c2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = c2.compress(bytes(rest)) + c2.flush(zlib.Z_FINISH)
    body = head + block * (k - (0 if rest else 0))
    out = body + last
    if not raw:  # zlib trailer: adler32 of prefix + zeros (zeros only grow the b sum)
        a = zlib.adler32(prefix) & 0xFFFF
        b = ((zlib.adler32(prefix) >> 16) + a * n_zeros) % 65521
        out = out[:] + struct.pack(">I", (b << 16) | a)
    return out


def _mat_header() -> bytes:
    text = b"MATLAB 5.0 MAT-file, Platform: hostile, Created by: neurodeck tests"
    return text.ljust(116, b" ") + b"\x00" * 8 + struct.pack("<H", 0x0100) + b"IM"


def _tag(mtype: int, data: bytes) -> bytes:
    pad = (-len(data)) % 8
    return struct.pack("<II", mtype, len(data)) + data + b"\x00" * pad


def _mat_matrix_header(cls: int, dims: tuple[int, ...], name: bytes) -> bytes:
    flags = _tag(6, struct.pack("<II", cls, 0))
    dims_b = _tag(5, struct.pack(f"<{len(dims)}i", *dims))
    return flags + dims_b + _tag(1, name)


def mat_nested_structs(depth: int) -> bytes:
    """A MAT v5 struct holding a struct holding a struct... ``depth`` levels."""
    fieldname = b"f".ljust(32, b"\x00")
    level = (_mat_matrix_header(2, (1, 1), b"") + struct.pack("<HHI", 5, 4, 32)
             + _tag(1, fieldname))
    top = (_mat_matrix_header(2, (1, 1), b"a") + struct.pack("<HHI", 5, 4, 32)
           + _tag(1, fieldname))
    inner = _tag(14, _mat_matrix_header(6, (0, 0), b""))  # an empty double at the bottom
    sizes = [len(inner)]
    for _ in range(depth):
        sizes.append(sizes[-1] + 8 + len(level))
    parts = [struct.pack("<II", 14, len(top) + sizes[-1]), top]
    for d in range(depth, 0, -1):
        parts.append(struct.pack("<II", 14, len(level) + sizes[d - 1]))
        parts.append(level)
    parts.append(inner)
    return _mat_header() + b"".join(parts)


def mat_bomb(n_doubles: int) -> bytes:
    """A compressed MAT v5 double array of ``n_doubles`` zeros (4 MB -> 4 GB)."""
    header = _mat_matrix_header(6, (4, n_doubles // 4), b"dff")
    data_tag = struct.pack("<II", 9, 8 * n_doubles)
    body_len = len(header) + len(data_tag) + 8 * n_doubles
    prefix = struct.pack("<II", 14, body_len) + header + data_tag
    stream = _deflate_zeros(prefix, 8 * n_doubles, raw=False)
    return _mat_header() + struct.pack("<II", 15, len(stream)) + stream


def npz_bomb(path: Path, n_floats: int, name: str = "dff") -> None:
    """An NPZ whose deflated member inflates to ``n_floats`` float64 zeros."""
    header = {"descr": "<f8", "fortran_order": False, "shape": (2, n_floats // 2)}
    text = repr(header).encode("latin1")
    text += b" " * ((-(len(text) + 11)) % 64) + b"\n"
    npy_head = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text
    size = len(npy_head) + 8 * n_floats
    stream = _deflate_zeros(npy_head, 8 * n_floats, raw=True)
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(f"{name}.npy", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        # Written raw: declared sizes as a real bomb declares them (CRC left wrong).
        zf.writestr(info, b"")
    data = bytearray(path.read_bytes())
    # Rebuild by hand: local header + stream + central directory with the true sizes.
    fname = f"{name}.npy".encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, 0, len(stream),
                        0xFFFFFFFF, len(fname), 20) + fname + struct.pack(
        "<HHQQ", 1, 16, size, len(stream))
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, 0,
                          len(stream), 0xFFFFFFFF, len(fname), 28, 0, 0, 0, 0, 0) + fname \
        + struct.pack("<HHQQQ", 1, 24, size, len(stream), 0)
    cd_offset = len(local) + len(stream)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), cd_offset, 0)
    del data
    path.write_bytes(local + stream + central + end)


def nifti_gz_bomb(path: Path, dims: tuple[int, int, int, int]) -> None:
    import nibabel as nib

    hdr = nib.Nifti1Header()
    hdr.set_data_dtype(np.int16)
    hdr.set_data_shape(dims)
    hdr.set_zooms((3.0, 3.0, 3.0, 2.0))
    hdr["vox_offset"] = 352
    raw = hdr.binaryblock + b"\x00" * 4
    n = int(np.prod(dims)) * 2
    stream = _deflate_zeros(raw, n, raw=True)
    gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + stream + struct.pack(
        "<II", 0, (len(raw) + n) & 0xFFFFFFFF)
    path.write_bytes(gz)


# -- generators ----------------------------------------------------------------------------------
def native(env: Env) -> list[Case]:
    """Item 4: structures that crash or spin native parsers."""
    out = []
    deep = mat_nested_structs(20_000)
    for name, suffix in (("mat-nested-structs", ".mat"), ("set-nested-structs", ".set")):
        p = env.folder(name) / f"deep{suffix}"
        p.write_bytes(deep)
        out.append(Case(name, "4 native", p))
    p = env.folder("rsa-model-nested-structs") / "models.mat"
    p.write_bytes(deep)
    out.append(Case("rsa-model-nested-structs", "4 native", p,
                    call="neurodeck_rsa.models_io:read_models"))
    out.append(_fif_self_loop(env))
    # Deep nesting in text formats parsed by Python's own recursive parsers.
    p = env.folder("npy-deep-descr") / "deep.npy"
    descr = "[" * 50_000 + "]" * 50_000
    text = ("{'descr': " + descr + ", 'fortran_order': False, 'shape': (2, 2), }").encode()
    p.write_bytes(b"\x93NUMPY\x02\x00" + struct.pack("<I", len(text) + 1) + text + b"\n")
    out.append(Case("npy-deep-descr", "4 native", p))
    folder = env.folder("sidecar-deep-json")
    np.save(folder / "traces.npy", np.ones((3, 50)))
    (folder / "traces.npy.json").write_text("[" * 200_000 + "]" * 200_000)
    out.append(Case("sidecar-deep-json", "4 native", folder / "traces.npy"))
    import h5py

    p = env.folder("h5-deep-groups") / "deep.h5"
    with h5py.File(p, "w") as f:
        g = f
        for _ in range(2000):
            g = g.create_group("g")
        g["traces"] = np.ones((3, 20))
    out.append(Case("h5-deep-groups", "4 native", p, expect="any"))
    return out


def _small_fif(folder: Path) -> Path:
    import mne

    info = mne.create_info(4, 100.0, "eeg")
    raw = mne.io.RawArray(np.random.default_rng(0).normal(size=(4, 200)) * 1e-6, info,
                          verbose="error")
    path = folder / "rec_raw.fif"
    raw.save(path, overwrite=True, verbose="error")
    return path


def _fif_tags(data: bytes) -> list[tuple[int, int, int, int, int]]:
    """(position, kind, type, size, next) of each FIF tag, in file order."""
    out, pos = [], 0
    while pos + 16 <= len(data):
        kind, typ, size, nxt = struct.unpack(">iiii", data[pos:pos + 16])
        out.append((pos, kind, typ, size, nxt))
        if size < 0 or nxt not in (0, -1):
            break
        pos += 16 + size
    return out


def _fif_self_loop(env: Env) -> Case:
    folder = env.folder("fif-tag-points-at-itself")
    path = _small_fif(folder)
    data = bytearray(path.read_bytes())
    tags = _fif_tags(bytes(data))
    # The directory pointer says "no directory" (MNE then scans tag by tag), and one
    # tag's "next" field points back at that tag.
    for pos, kind, _typ, _size, _nxt in tags:
        if kind == 101:  # FIFF_DIR_POINTER
            data[pos + 16:pos + 20] = struct.pack(">i", -1)
    pos = tags[3][0]
    data[pos + 12:pos + 16] = struct.pack(">i", pos)
    path.write_bytes(bytes(data))
    return Case("fif-tag-points-at-itself", "4 native", path)


def bombs(env: Env) -> list[Case]:
    """Item 5: small files that declare or inflate to gigabytes."""
    out = []
    p = env.folder("npz-deflate-bomb") / "traces.npz"
    npz_bomb(p, 512 * MB)  # 4 GiB of float64
    out.append(Case("npz-deflate-bomb", "5 bombs", p, need="memory"))
    p = env.folder("mat-deflate-bomb") / "traces.mat"
    p.write_bytes(mat_bomb(500_000_000))  # 4 GB of doubles
    out.append(Case("mat-deflate-bomb", "5 bombs", p, need="memory"))
    p = env.folder("nifti-gz-bomb") / "bold.nii.gz"
    nifti_gz_bomb(p, (128, 128, 128, 1024))  # 4 GiB of int16
    out.append(Case("nifti-gz-bomb", "5 bombs", p, expect="any"))
    folder = env.folder("edge-list-8000-nodes")
    rows = ["source,target,weight,type"]
    for i in range(4000):
        rows.append(f"n{2 * i},n{2 * i + 1},1,t{i % 10}")
    (folder / "edges.csv").write_text("\n".join(rows) + "\n")
    out.append(Case("edge-list-8000-nodes", "5 bombs", folder / "edges.csv", need="memory"))
    import h5py

    p = env.folder("result-declares-5.6GB") / "fc.h5"
    with h5py.File(p, "w") as f:
        f.attrs["format"] = "neurodeck-result/1"
        f.attrs["provenance"] = json.dumps({"analysis": "fc"})
        f.create_group("arrays").create_dataset("matrix", shape=(700_000_000,), dtype="f8",
                                                chunks=(1_000_000,), compression="gzip")
    out.append(Case("result-declares-5.6GB", "5 bombs", p, need="memory"))
    p = env.folder("npy-declares-huge") / "traces.npy"
    head = {"descr": "<f8", "fortran_order": False, "shape": (100_000, 100_000_000)}
    text = repr(head).encode() + b" " * 40 + b"\n"
    p.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + bytes(800))
    out.append(Case("npy-declares-huge", "5 bombs", p))
    p = env.folder("csv-one-huge-line") / "traces.csv"
    p.write_bytes(b"a,b\n" + b"1," * (8 * MB) + b"1\n")
    out.append(Case("csv-one-huge-line", "5 bombs", p, expect="any"))
    return out


def references(env: Env) -> list[Case]:
    """Item 6: files that make the app read other files."""
    import h5py

    out = []
    secret_rel = os.path.relpath(env.secrets, env.root / "cases" / "x")
    p = env.folder("h5-external-link") / "traces.h5"
    with h5py.File(p, "w") as f:
        f["traces"] = h5py.ExternalLink(str(env.secret_h5), "/traces")
    out.append(Case("h5-external-link", "6 references", p, need="outside"))
    p = env.folder("h5-external-link-relative") / "traces.h5"
    with h5py.File(p, "w") as f:
        f["traces"] = h5py.ExternalLink(f"{secret_rel}/secret.h5", "/traces")
    out.append(Case("h5-external-link-relative", "6 references", p, need="outside"))
    p = env.folder("h5-external-raw-storage") / "traces.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("traces", shape=(4, 1000), dtype="<f8",
                         external=[(str(env.secrets / "secret.eeg"), 0, 32000)])
    out.append(Case("h5-external-raw-storage", "6 references", p, need="outside"))
    p = env.folder("h5-virtual-dataset") / "traces.h5"
    with h5py.File(p, "w") as f:
        layout = h5py.VirtualLayout(shape=(4, 100), dtype="f8")
        layout[:] = h5py.VirtualSource(str(env.secret_h5), "traces", shape=(4, 100))
        f.create_virtual_dataset("traces", layout)
    out.append(Case("h5-virtual-dataset", "6 references", p, need="outside"))
    p = env.folder("nwb-external-link") / "rec.nwb"
    with h5py.File(p, "w") as f:
        f["acquisition"] = h5py.ExternalLink(str(env.secret_h5), "/")
    out.append(Case("nwb-external-link", "6 references", p))
    p = env.folder("result-external-link") / "fc.h5"
    with h5py.File(p, "w") as f:
        f.attrs["format"] = "neurodeck-result/1"
        f.create_group("arrays")["matrix"] = h5py.ExternalLink(str(env.secret_h5), "/d")
    out.append(Case("result-external-link", "6 references", p, need="outside"))
    out += _brainvision_refs(env, secret_rel)
    folder = env.folder("companion-symlink")
    vhdr = _brainvision(folder)
    (folder / "rec.eeg").unlink()
    (folder / "rec.eeg").symlink_to(env.secrets / "secret.eeg")
    out.append(Case("companion-symlink", "6 references", vhdr, need="outside"))
    # The same external link, with the user's explicit consent, opens.
    p = env.folder("h5-external-link-allowed") / "traces.h5"
    with h5py.File(p, "w") as f:
        f["traces"] = np.ones((4, 100))
        f["extra"] = h5py.ExternalLink(str(env.secret_h5), "/d")
        f.attrs["sampling_rate_hz"] = 10.0
    out.append(Case("h5-external-link-allowed", "6 references", p, expect="open",
                    options={"allow_external": True}))
    return out


def _brainvision(folder: Path) -> Path:
    import mne

    info = mne.create_info(["C3", "C4"], 100.0, "eeg")
    raw = mne.io.RawArray(np.random.default_rng(1).normal(size=(2, 300)) * 1e-5, info,
                          verbose="error")
    path = folder / "rec.vhdr"
    mne.export.export_raw(path, raw, overwrite=True, verbose="error")
    return path


def _brainvision_refs(env: Env, secret_rel: str) -> list[Case]:
    out = []
    for key, target, label in (
        ("DataFile", "../../../../../../../../etc/passwd", "vhdr-datafile-etc-passwd"),
        ("DataFile", f"{secret_rel}/secret.eeg", "vhdr-datafile-relative"),
        ("DataFile", str(env.secrets / "secret.eeg"), "vhdr-datafile-absolute"),
        ("MarkerFile", f"{secret_rel}/secret.txt", "vhdr-markerfile-outside"),
    ):
        folder = env.folder(label)
        vhdr = _brainvision(folder)
        lines = vhdr.read_text(encoding="utf-8").splitlines()
        lines = [f"{key}={target}" if ln.startswith(f"{key}=") else ln for ln in lines]
        vhdr.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(Case(label, "6 references", vhdr, need="outside"))
    return out


def results(env: Env) -> list[Case]:
    """Item 7: crafted files tagged as neurodeck results."""
    import h5py

    def make(name: str, build: Callable[[Any], None]) -> Case:
        p = env.folder(f"result-{name}") / "res.h5"
        with h5py.File(p, "w") as f:
            f.attrs["format"] = "neurodeck-result/1"
            build(f)
        return Case(f"result-{name}", "7 results", p)

    def deep(f: Any) -> None:
        f.attrs["provenance"] = "[" * 100_000 + "]" * 100_000
        f.create_group("arrays")

    cases = [
        make("provenance-not-json", lambda f: (f.attrs.__setitem__("provenance", "{oops"),
                                               f.create_group("arrays"))),
        make("provenance-a-list", lambda f: (f.attrs.__setitem__("provenance", "[1, 2]"),
                                             f.create_group("arrays"))),
        make("provenance-deep", deep),
        make("provenance-bytes-array", lambda f: (f.attrs.__setitem__(
            "provenance", np.arange(5)), f.create_group("arrays"))),
        make("analysis-not-text", lambda f: (f.attrs.__setitem__(
            "provenance", json.dumps({"analysis": {"x": 1}})), f.create_group("arrays"))),
        make("arrays-is-dataset", lambda f: f.create_dataset("arrays", data=np.ones(3))),
        make("array-is-group", lambda f: f.create_group("arrays").create_group("matrix")),
        make("array-compound", lambda f: f.create_group("arrays").create_dataset(
            "m", data=np.zeros(3, dtype=[("a", "f8"), ("b", "i4")]))),
        make("array-object-refs", lambda f: f.create_group("arrays").create_dataset(
            "m", data=[f.ref], dtype=h5py.ref_dtype)),
        make("array-vlen-int", lambda f: f.create_group("arrays").create_dataset(
            "m", data=np.array([np.arange(3), np.arange(2)], dtype=object),
            dtype=h5py.vlen_dtype("i8"))),
        make("array-soft-link", lambda f: (f.create_group("arrays"), f["arrays"].__setitem__(
            "m", h5py.SoftLink("/nowhere")))),
        make("format-bytes", lambda f: (f.attrs.__setitem__("format", np.bytes_(b"\xff")),
                                        f.create_group("arrays"))),
        make("string-array-huge", lambda f: f.create_group("arrays").create_dataset(
            "names", shape=(200_000_000,), dtype=h5py.string_dtype(), chunks=(100_000,))),
    ]
    return cases


def plausibility(env: Env) -> list[Case]:
    """Item 12: header values no recording or image has."""
    import mne
    import nibabel as nib

    out = []
    folder = env.folder("edf-sfreq-1.28e32")
    edf = _edf(folder / "rec.edf")
    data = bytearray(edf.read_bytes())
    data[244:252] = b"1e-30   "  # duration of a data record: 128 samples in 1e-30 s
    edf.write_bytes(bytes(data))
    out.append(Case("edf-sfreq-1.28e32", "12 plausibility", edf, need="sampling"))
    for label, offset, value in (("edf-records-negative", 236, b"-5      "),
                                 ("edf-nsignals-text", 252, b"abcd"),
                                 ("edf-header-bytes-lie", 184, b"99999999"),
                                 ("edf-samples-zero", None, b"0       ")):
        folder = env.folder(label)
        edf = _edf(folder / "rec.edf")
        data = bytearray(edf.read_bytes())
        if offset is None:  # first signal's samples per record
            ns = int(data[252:256])
            offset = 256 + ns * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80)
        data[offset:offset + len(value)] = value
        edf.write_bytes(bytes(data))
        out.append(Case(label, "12 plausibility", edf))
    folder = env.folder("nifti-tr-1e-40")
    img = nib.Nifti1Image(np.zeros((4, 4, 4, 5), np.int16), np.eye(4))
    img.header.set_zooms((2.0, 2.0, 2.0, 1e-40))
    img.header.set_xyzt_units("mm", "sec")
    nib.save(img, folder / "bold.nii")
    out.append(Case("nifti-tr-1e-40", "12 plausibility", folder / "bold.nii", need="TR"))
    folder = env.folder("fif-sfreq-inf")
    path = _small_fif(folder)
    data = bytearray(path.read_bytes())
    for pos, kind, _typ, _size, _nxt in _fif_tags(bytes(data)):
        if kind == 201:  # FIFF_SFREQ
            data[pos + 16:pos + 20] = struct.pack(">f", np.inf)
    path.write_bytes(bytes(data))
    out.append(Case("fif-sfreq-inf", "12 plausibility", path, need="sampling"))
    folder = env.folder("traces-sfreq-1e30")
    np.save(folder / "traces.npy", np.ones((3, 50)))
    (folder / "traces.npy.json").write_text(json.dumps({"sfreq": 1e30}))
    out.append(Case("traces-sfreq-1e30", "12 plausibility", folder / "traces.npy",
                    need="sampling"))
    del mne
    return out


def _edf(path: Path) -> Path:
    import mne

    info = mne.create_info(["C3", "C4"], 128.0, "eeg")
    raw = mne.io.RawArray(np.random.default_rng(2).normal(size=(2, 512)) * 1e-5, info,
                          verbose="error")
    mne.export.export_raw(path, raw, overwrite=True, verbose="error")
    return path


def code(env: Env) -> list[Case]:
    """Files carrying pickles (the app never unpickles; the canary proves it)."""
    out = []
    p = env.folder("npy-pickle-payload") / "traces.npy"
    body = env.payload()
    text = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    text += b" " * ((-(len(text) + 11)) % 64) + b"\n"
    p.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body)
    out.append(Case("npy-pickle-payload", "code", p))
    p = env.folder("npz-pickle-payload") / "traces.npz"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("dff.npy", p.parent.joinpath("..", "npy-pickle-payload",
                                                 "traces.npy").resolve().read_bytes())
    out.append(Case("npz-pickle-payload", "code", p))
    p = env.folder("mat-pickle-like") / "x.pkl.mat"
    p.write_bytes(_mat_header() + body)
    out.append(Case("mat-pickle-like", "code", p))
    return out


# -- workspaces (items 1, 2, 3, 10) -------------------------------------------------------
def _workspace(folder: Path, env: Env, entries: list, history: list | None = None,
               name: str = "w.ndws", **extra: Any) -> Path:
    doc = {"format": "neurodeck-workspace", "version": 1, "entries": entries,
           "history": history or [], "layout": {}, **extra}
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


def _eeg_entry(folder: Path, **source: Any) -> dict:
    import hashlib

    from neurodeck.paths import resource_path

    data = folder / "rec.edf"
    data.write_bytes(resource_path("samples", "eegmmidb_S001R04.edf").read_bytes())
    src = {"path": str(data), "relpath": "rec.edf", "size": data.stat().st_size,
           "sha256": hashlib.sha256(data.read_bytes()).hexdigest(), "reader": None,
           "options": {}, "name": "rec.edf"}
    src.update(source)
    return {"id": 1, "name": "rec.edf", "kind": "recording", "parent": None,
            "origin": {"op": "open", "path": str(data)}, "source": src, "edits": {}}


def workspace_options(env: Env) -> list[Case]:
    out = []
    f = env.folder("ws-preload")
    out.append(Case("ws-option-preload-writes-a-file", "1 workspace options",
                    _workspace(f, env, [_eeg_entry(f, options={
                        "preload": str(env.secrets / "secret.eeg")})]),
                    call="hostile_loaders:open_workspace", need="must be bool"))
    f = env.folder("ws-unknown")
    out.append(Case("ws-unknown-reader-option", "1 workspace options",
                    _workspace(f, env, [_eeg_entry(f, options={"verbose": "debug"})]),
                    call="hostile_loaders:open_workspace", need="no option"))
    f = env.folder("ws-consent")
    out.append(Case("ws-relaxes-safety-silently", "1 workspace options",
                    _workspace(f, env, [_eeg_entry(f, options={"allow_external": True,
                                                               "memory_budget": 2**60})]),
                    call="hostile_loaders:open_workspace", need="safety"))
    f = env.folder("ws-nullhash")
    out.append(Case("ws-null-hash-names-a-private-file", "1 workspace options",
                    _workspace(f, env, [_eeg_entry(f, path=str(env.secrets / "secret.eeg"),
                                                   relpath=None, sha256=None, size=None)]),
                    call="hostile_loaders:open_workspace", need="checksum"))
    return out


def workspace_scripts(env: Env) -> list[Case]:
    inject = 'x.edf\nimport os; os.system("touch ' + str(env.canary) + '")\n'
    quotes = "'" * 3
    history = [
        {"op": "open", "entry": 1, "path": f"/data/{inject}", "reader": 'a"\nimport os',
         "options": {"k\nimport os": "v\"); os.system('x')#", "__class__": 1},
         "name": inject, "kind": "recording\nos.system('x')"},
        {"op": "set_annotations", "entry": 1, "onset": [0.0], "duration": [1.0],
         "label": ['"]); os.system("x"); #\n']},
        {"op": "set_bads", "entry": 1, "bads": ["Fz\nimport os"]},
        {"op": "transform", "entry": 2, "transform": 'fc")\nimport os; os.system("x")#',
         "inputs": [1], "params": {"a\nb": "c\u2028d", "lst": [1, "2\n3"]}},
        {"op": "rename", "entry": 2, "name": "x\nimport os"},
        {"op": "run", "entry": 3, "analysis": "fc\n# )\nos.system('x')", "inputs": [2],
         "params": {"method": f"{quotes}\nimport os\n{quotes}"}},
        {"op": "set_weird", "entry": 2, "values": "\nimport os"},
    ]
    f = env.folder("ws-script")
    return [Case("ws-history-carries-code", "2 generated code",
                 _workspace(f, env, [], history), expect="any",
                 call="hostile_loaders:export_script")]


def workspace_links(env: Env) -> list[Case]:
    f = env.folder("ws-symlink")
    (env.secrets / "e1-0123456789abcdef0123.h5").write_bytes(b"not yours")
    (env.secrets / "analysis.h5").write_bytes(b"not yours either")
    path = _workspace(f, env, [])
    link = f / "w.ndws.d"
    try:
        link.symlink_to(env.secrets, target_is_directory=True)
    except OSError:  # no symlinks here (Windows without the right): nothing to test
        return []
    return [Case("ws-results-folder-is-a-link", "3 symlinked saves", path,
                 call="hostile_loaders:save_again", need="link")]


def workspace_structure(env: Env) -> list[Case]:
    out = []
    base = {"id": 1, "name": "r", "kind": "result", "parent": None, "origin": {},
            "result": "e1-0123456789abcdef0123.h5"}
    for name, entries, history, need in (
            ("self-parent", [{**base, "parent": 1}], [], "parent"),
            ("parent-cycle", [{**base, "parent": 2}, {**base, "id": 2, "parent": 1}], [],
             "parent"),
            ("list-for-entry", [[1, 2, 3]], [], "object"),
            ("list-for-source", [{"id": 1, "source": ["a"], "origin": {}}], [], "source"),
            ("unknown-op", [], [{"op": "os.system", "entry": 1}], "unknown operation"),
            ("inputs-text", [], [{"op": "run", "entry": 1, "inputs": "1; rm -rf /"}],
             "list of ids"),
            ("made-from-later", [{**base, "id": 1, "origin": {"op": "transform",
                                                           "inputs": [5]}}], [],
             "later entry"),
    ):
        f = env.folder(f"ws-{name}")
        out.append(Case(f"ws-{name}", "10 structure checks",
                        _workspace(f, env, entries, history),
                        call="hostile_loaders:open_workspace", need=need))
    f = env.folder("ws-deep")
    deep = f / "deep.ndws"
    deep.write_text('{"format": "neurodeck-workspace", "version": 1, "entries": [], '
                    '"layout": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}")
    out.append(Case("ws-json-nested-100000-deep", "10 structure checks", deep,
                    call="hostile_loaders:open_workspace", need="nested"))
    return out


GENERATORS: dict[str, Callable[[Env], list[Case]]] = {
    "4 native": native,
    "5 bombs": bombs,
    "6 references": references,
    "7 results": results,
    "12 plausibility": plausibility,
    "code": code,
    "1 workspace options": workspace_options,
    "2 generated code": workspace_scripts,
    "3 symlinked saves": workspace_links,
    "10 structure checks": workspace_structure,
    # Plugin discovery (item 8) is tested in tests/core/test_plugin_hostility.py and batch
    # timeouts and cancel (item 11) in tests/hostile/test_batch_cancel.py: they are
    # processes and jobs, not files to open.
}


def build_all(root: Path, only: list[str] | None = None) -> tuple[Env, list[Case]]:
    env = Env(root)
    cases: list[Case] = []
    for key, gen in GENERATORS.items():
        if only is None or key in only:
            cases += gen(env)
    return env, cases
