"""Typed analysis parameters: defaults, ranges, choices and help, validated in one place.

The GUI builds its parameter dialog from these, the CLI coerces ``--param K=V``
strings with them, and ``neurodeck analyses --json`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import ParameterError


@dataclass(frozen=True)
class Param:
    """Base of all parameter types. ``name`` is the public keyword."""

    name: str
    default: Any = None
    help: str = ""
    label: str = ""
    optional: bool = False  # None is an accepted value ("not set")
    type_name: ClassVar[str] = "any"

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def coerce(self, value: Any) -> Any:
        """Convert (from a CLI string too) and validate; raise ParameterError if bad."""
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            if self.optional:
                return None
            raise ParameterError(f"parameter {self.name!r} needs a value")
        return self._coerce(value)

    def _coerce(self, value: Any) -> Any:
        return value

    def fail(self, value: Any, why: str) -> ParameterError:
        return ParameterError(f"parameter {self.name!r}: {value!r} {why}")

    def to_json(self) -> dict[str, Any]:
        out = {"name": self.name, "type": self.type_name, "default": self.default,
               "help": self.help, "label": self.title, "optional": self.optional}
        out.update(self._extra_json())
        return out

    def _extra_json(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class Int(Param):
    minimum: int | None = None
    maximum: int | None = None
    type_name: ClassVar[str] = "int"

    def _coerce(self, value: Any) -> int:
        try:
            if isinstance(value, bool):
                raise ValueError
            as_float = float(value)
            if not as_float.is_integer():
                raise ValueError
            out = int(as_float)
        except (TypeError, ValueError):
            raise self.fail(value, "is not an integer") from None
        _check_range(self, out)
        return out

    def _extra_json(self) -> dict[str, Any]:
        return {"minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Float(Param):
    minimum: float | None = None
    maximum: float | None = None
    type_name: ClassVar[str] = "float"

    def _coerce(self, value: Any) -> float:
        try:
            if isinstance(value, bool):
                raise ValueError
            out = float(value)
        except (TypeError, ValueError):
            raise self.fail(value, "is not a number") from None
        if out != out:  # NaN
            raise self.fail(value, "is not a number")
        _check_range(self, out)
        return out

    def _extra_json(self) -> dict[str, Any]:
        return {"minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Bool(Param):
    type_name: ClassVar[str] = "bool"

    def _coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise self.fail(value, "is not true/false")


@dataclass(frozen=True)
class Choice(Param):
    choices: tuple[str, ...] = ()
    type_name: ClassVar[str] = "choice"

    def coerce(self, value: Any) -> Any:
        # A choice may legitimately be called "none" (e.g. prior="none"): not "unset".
        if isinstance(value, str) and value in self.choices:
            return value
        return super().coerce(value)

    def _coerce(self, value: Any) -> str:
        text = str(value)
        if text not in self.choices:
            raise self.fail(value, f"is not one of {', '.join(self.choices)}")
        return text

    def _extra_json(self) -> dict[str, Any]:
        return {"choices": list(self.choices)}


@dataclass(frozen=True)
class Text(Param):
    type_name: ClassVar[str] = "str"

    def _coerce(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class FilePath(Param):
    """A path to a file; ``must_exist`` checks it at validation time."""

    must_exist: bool = True
    filter: str = ""  # file-dialog filter, e.g. "Checkpoints (*.safetensors *.json)"
    type_name: ClassVar[str] = "path"

    def _coerce(self, value: Any) -> str:
        from pathlib import Path

        path = Path(str(value)).expanduser()
        if self.must_exist and not path.exists():
            raise self.fail(str(value), "does not exist")
        return str(path)

    def _extra_json(self) -> dict[str, Any]:
        return {"must_exist": self.must_exist, "filter": self.filter}


@dataclass(frozen=True)
class IntList(Param):
    """One integer or several (``3`` or ``2,3,4`` or ``2-6``): e.g. ranks to compare."""

    minimum: int | None = None
    maximum: int | None = None
    type_name: ClassVar[str] = "int_list"

    def _coerce(self, value: Any) -> int | list[int]:
        items: list[Any]
        if isinstance(value, str):
            text = value.strip().strip("[]")
            items = []
            for part in text.split(","):
                part = part.strip()
                if "-" in part[1:]:
                    lo, hi = part.split("-", 1) if not part.startswith("-") else (part, part)
                    try:
                        items.extend(range(int(lo), int(hi) + 1))
                    except ValueError:
                        raise self.fail(value, "is not a list of integers") from None
                elif part:
                    items.append(part)
        elif isinstance(value, Sequence):
            items = list(value)
        else:
            items = [value]
        if not items:
            raise self.fail(value, "is empty")
        out = [Int(self.name, minimum=self.minimum, maximum=self.maximum)._coerce(v) for v in items]
        return out[0] if len(out) == 1 and not isinstance(value, (list, tuple)) else out

    def _extra_json(self) -> dict[str, Any]:
        return {"minimum": self.minimum, "maximum": self.maximum}


def _check_range(p: Any, value: float) -> None:
    if p.minimum is not None and value < p.minimum:
        raise p.fail(value, f"is below the minimum {p.minimum}")
    if p.maximum is not None and value > p.maximum:
        raise p.fail(value, f"is above the maximum {p.maximum}")


@dataclass(frozen=True)
class ParamSchema:
    """An ordered set of parameters; resolves user values against defaults."""

    params: tuple[Param, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.params)

    def __getitem__(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def resolve(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overlaid with ``values``, each coerced; unknown names are an error."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise ParameterError(
                f"unknown parameter(s) {', '.join(unknown)}; "
                f"accepted: {', '.join(self.names) or 'none'}"
            )
        out = {}
        for p in self.params:
            out[p.name] = p.coerce(values[p.name]) if p.name in values else (
                p.coerce(p.default) if p.default is not None else p.coerce(None))
        return out

    def to_json(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self.params]
