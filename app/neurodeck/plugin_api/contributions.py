"""What a plugin can contribute, declared as data.

Each hook in :mod:`neurodeck.hookspecs` returns a list of one of these. Callables
are given as ``"module:attribute"`` strings (or plain callables) and imported on
first use, so declaring a contribution is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .lazy import Ref, resolve
from .params import Param, ParamSchema


@dataclass(frozen=True)
class Reader:
    """Opens files into datasets.

    ``read(path) -> Dataset | list[Dataset]``. ``extensions`` are matched
    case-insensitively against the end of the file name (``".nii.gz"``,
    ``"-epo.fif"``); ``sniff(path) -> bool`` optionally checks the content when
    the extension is missing or ambiguous. Higher ``priority`` wins among matches.
    """

    id: str
    title: str
    extensions: tuple[str, ...]
    read: Ref
    sniff: Ref | None = None
    produces: tuple[str, ...] = ()
    priority: int = 0
    #: ``members(path) -> list[dict]`` for files that hold several subjects/animals/sessions:
    #: each dict has ``key`` (str), ``options`` (reader keywords that open that member alone)
    #: and optionally ``meta`` (a row of the study table) and ``kind``.
    members: Ref | None = None
    plugin: str = ""

    def matches_name(self, path: str) -> bool:
        name = path.lower()
        return any(name.endswith(ext.lower()) for ext in self.extensions)


@dataclass(frozen=True)
class Writer:
    """Saves a dataset to a file format. ``write(dataset, path) -> None``."""

    id: str
    title: str
    extensions: tuple[str, ...]
    accepts: tuple[str, ...]
    write: Ref
    plugin: str = ""


class Output(str):
    """The description of one output array; ``optional`` ones may be absent from a result
    (e.g. arrays computed only for some inputs or settings)."""

    optional: bool

    def __new__(cls, text: str, optional: bool = False) -> Output:
        out = super().__new__(cls, text)
        out.optional = optional
        return out


def optional(text: str) -> Output:
    """Declare an output that an analysis returns only in some cases."""
    return Output(text, optional=True)


def _n_inputs(n: tuple[int, int | None]) -> str:
    lo, hi = n
    if hi is None:
        return f"at least {lo}"
    return str(lo) if lo == hi else f"{lo} to {hi}"


class _Runnable:
    """What analyses and transforms share: a parameter schema, accepted kinds, inputs."""

    params: Sequence[Param]
    accepts: tuple[str, ...]
    n_inputs: tuple[int, int | None]

    @property
    def schema(self) -> ParamSchema:
        return ParamSchema(tuple(self.params))

    @property
    def takes_many(self) -> bool:
        return self.n_inputs[1] is None or self.n_inputs[1] > 1

    @property
    def n_inputs_text(self) -> str:
        return _n_inputs(self.n_inputs)

    def accepts_dataset(self, dataset: Any) -> bool:
        return any(dataset.is_a(kind) for kind in self.accepts)


@dataclass(frozen=True)
class Analysis(_Runnable):
    """An analysis users can run from the menu, the API, the CLI and batch.

    ``run(inputs, params, progress) -> Mapping[str, array] | Result`` receives the
    input datasets (a sequence), the validated parameters (a dict) and a
    :class:`~neurodeck.jobs.progress.Progress` to report to and to check for
    cancellation. ``accepts`` lists dataset kinds; ``n_inputs`` is (min, max), max ``None``
    for no limit. An analysis taking several inputs also takes a *study* as one input: its
    members arrive in ``inputs``, opened one at a time as the analysis reaches them.
    ``outputs`` documents each result array (use :func:`optional` for arrays returned only
    in some cases): its names are public API, checked against what ``run`` returns.
    """

    id: str
    title: str
    description: str
    accepts: tuple[str, ...]
    run: Ref
    params: Sequence[Param] = ()
    outputs: Mapping[str, str] = field(default_factory=dict)
    reference: str = ""  # the paper the method implements
    category: str = "Analysis"
    n_inputs: tuple[int, int | None] = (1, 1)
    #: ``estimate(inputs, params) -> seconds | (seconds, hint)``: how long a run will take on
    #: these inputs (cheap: sizes, not data); the dialog says so before it starts.
    estimate: Ref | None = None
    plugin: str = ""

    @property
    def required_outputs(self) -> list[str]:
        return [k for k, v in self.outputs.items() if not getattr(v, "optional", False)]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "reference": self.reference, "category": self.category,
            "accepts": list(self.accepts), "n_inputs": list(self.n_inputs),
            "params": self.schema.to_json(),
            "outputs": {k: str(v) for k, v in self.outputs.items()},
            "optional_outputs": [k for k in self.outputs if k not in self.required_outputs],
            "plugin": self.plugin,
        }


#: How a transform holds its output (``Transform.storage``).
STORAGE = {
    "lazy": "computed window by window when read (nothing is materialised)",
    "memory": "computed in memory when the transform runs",
    "file": "materialised to a temporary file when the transform runs",
}


@dataclass(frozen=True)
class Transform(_Runnable):
    """Turns datasets into a new dataset (filter, re-reference, epochs, dF/F...).

    ``run(inputs, params, progress) -> Dataset`` receives the input datasets, the
    validated parameters and a :class:`~neurodeck.jobs.progress.Progress`; it returns a
    *new* dataset and never modifies its inputs. ``accepts`` lists dataset kinds,
    ``produces`` the kinds it may return; ``storage`` says how the output is held (see
    :data:`STORAGE`: ``"lazy"`` outputs compute windows on demand, so a filtered 1-hour
    recording can be browsed without being materialised). A transform given a study
    applies to each member, lazily, and returns a study.
    """

    id: str
    title: str
    description: str
    accepts: tuple[str, ...]
    run: Ref
    params: Sequence[Param] = ()
    produces: tuple[str, ...] = ()
    storage: str = "memory"
    reference: str = ""
    category: str = "Transform"
    n_inputs: tuple[int, int | None] = (1, 1)
    estimate: Ref | None = None  # as Analysis.estimate
    #: ``script(params, kinds) -> list[Stmt] | None``: the transform as calls of the library
    #: it wraps, for the exported script (``kinds``: the inputs' kinds); None or absent: the
    #: script calls ``neurodeck.transform(id, ...)``. Statements are data
    #: (:class:`~neurodeck.workspace.codegen.Stmt`), validated before they are written.
    script: Ref | None = None
    #: Modules those statements may call into (``("mne",)``); the script imports them.
    script_modules: tuple[str, ...] = ()
    plugin: str = ""

    def __post_init__(self) -> None:
        if self.storage not in STORAGE:
            raise ValueError(f"transform {self.id!r}: storage {self.storage!r} is not one of "
                             f"{', '.join(STORAGE)}")
        bad = [m for m in self.script_modules if not _dotted(m)]
        if bad:
            raise ValueError(f"transform {self.id!r}: script module {bad[0]!r} is not a "
                             "dotted module name")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "reference": self.reference, "category": self.category,
            "accepts": list(self.accepts), "produces": list(self.produces),
            "storage": self.storage, "n_inputs": list(self.n_inputs),
            "params": self.schema.to_json(), "plugin": self.plugin,
        }


@dataclass(frozen=True)
class View:
    """A widget that shows datasets or results of some kinds.

    ``widget`` names a ``QWidget`` subclass constructed as ``widget(obj, parent=None)``;
    it is imported only inside the GUI. ``accepts`` holds dataset kinds, or
    ``"result:<analysis id>"`` for results of one analysis. Higher ``priority``
    is the default view.
    """

    id: str
    title: str
    accepts: tuple[str, ...]
    widget: Ref
    priority: int = 0
    plugin: str = ""

    def accepts_dataset(self, dataset: Any) -> bool:
        return any(dataset.is_a(kind) for kind in self.accepts)


@dataclass(frozen=True)
class SampleData:
    """A bundled example file listed under File > Open Sample.

    ``path`` is a callable returning the file's path, or the path itself.
    """

    id: str
    title: str
    path: Ref
    description: str = ""
    kind: str = ""
    plugin: str = ""

    def resolve_path(self) -> str:
        target = self.path
        if isinstance(target, str) and ":" in target and not _looks_like_path(target):
            target = resolve(target)
        return str(target() if callable(target) else target)


@dataclass(frozen=True)
class Command:
    """A ``neurodeck NAME ...`` sub-command.

    ``configure(parser)`` adds arguments to an argparse parser; ``main(args) -> int``
    runs it.
    """

    name: str
    help: str
    configure: Ref
    main: Ref
    plugin: str = ""


def _dotted(name: str) -> bool:
    import keyword

    return all(p.isidentifier() and not keyword.iskeyword(p) for p in str(name).split("."))


def _looks_like_path(text: str) -> bool:
    return text[1:3] in (":\\", ":/") or text.startswith(("/", "."))


Contribution = Reader | Writer | Analysis | Transform | View | SampleData | Command
CONTRIBUTION_TYPES = (Reader, Writer, Analysis, Transform, View, SampleData, Command)
ContributionMap = Mapping[str, Sequence[Contribution]]
