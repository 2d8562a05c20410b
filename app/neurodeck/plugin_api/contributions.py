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


@dataclass(frozen=True)
class Analysis:
    """An analysis users can run from the menu, the API, the CLI and batch.

    ``run(inputs, params, progress) -> Mapping[str, array] | Result`` receives the
    input datasets (a list), the validated parameters (a dict) and a
    :class:`~neurodeck.jobs.progress.Progress` to report to and to check for
    cancellation. ``accepts`` lists dataset kinds; ``n_inputs`` is (min, max).
    ``outputs`` documents each result array: its names are public API.
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
    n_inputs: tuple[int, int] = (1, 1)
    plugin: str = ""

    @property
    def schema(self) -> ParamSchema:
        return ParamSchema(tuple(self.params))

    def accepts_dataset(self, dataset: Any) -> bool:
        return any(dataset.is_a(kind) for kind in self.accepts)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "reference": self.reference, "category": self.category,
            "accepts": list(self.accepts), "n_inputs": list(self.n_inputs),
            "params": self.schema.to_json(), "outputs": dict(self.outputs),
            "plugin": self.plugin,
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


def _looks_like_path(text: str) -> bool:
    return text[1:3] in (":\\", ":/") or text.startswith(("/", "."))


Contribution = Reader | Writer | Analysis | View | SampleData | Command
ContributionMap = Mapping[str, Sequence[Contribution]]
