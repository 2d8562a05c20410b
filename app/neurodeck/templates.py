"""``neurodeck new-plugin NAME``: a working plugin project from the bundled template.

The template (``packaging/plugin-template`` in the source tree, ``plugin_template``
inside an installed or frozen neurodeck) holds ``*.tmpl`` files whose paths and text
contain ``{{key}}`` placeholders; ``.tmpl`` keeps the unrendered files away from
pytest and ruff.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ._version import __version__
from .errors import NeurodeckError

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def template_dir() -> Path:
    """The plugin template folder of this installation."""
    here = Path(__file__).resolve().parent
    candidates = [
        here / "plugin_template",  # wheel (force-included) / frozen bundle
        here.parent.parent / "packaging" / "plugin-template",  # source checkout
    ]
    if getattr(sys, "frozen", False):
        candidates.insert(0, Path(getattr(sys, "_MEIPASS", here)) / "neurodeck" / "plugin_template")
    for c in candidates:
        if (c / "pyproject.toml.tmpl").is_file():
            return c
    raise FileNotFoundError("the plugin template is missing from this neurodeck installation")


def names(name: str) -> dict[str, str]:
    """The placeholder values for a plugin called ``name`` (lower-case, dashes)."""
    slug = name.strip().lower()
    if slug.startswith("neurodeck-"):
        slug = slug[len("neurodeck-"):]
    if not NAME_RE.match(slug):
        raise NeurodeckError(
            f"plugin name {name!r}: use lower-case letters, digits and dashes, starting "
            "with a letter (e.g. 'spike-rate')")
    entry = slug.replace("-", "_")
    return {
        "slug": slug, "entry": entry, "dist": f"neurodeck-{slug}",
        "package": f"neurodeck_{entry}", "title": slug.replace("-", " ").title(),
        "extension": f".{slug}.txt", "neurodeck_version": _release(__version__),
    }


def _release(version: str) -> str:
    # A dev or local version would make the requirement unsatisfiable elsewhere.
    match = re.match(r"\d+(\.\d+)*", version)
    return match.group(0) if match else "0"


def render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    left = re.search(r"\{\{\w+\}\}", text)
    if left:
        raise NeurodeckError(f"template placeholder {left.group(0)} has no value")
    return text


def new_plugin(name: str, dest: str | Path = ".", *, template: Path | None = None) -> Path:
    """Write the project ``neurodeck-NAME/`` under ``dest``; return its folder."""
    values = names(name)
    src = Path(template or template_dir())
    root = Path(dest) / values["dist"]
    if root.exists():
        raise NeurodeckError(f"{root} already exists; choose another name or folder")
    files = sorted(p for p in src.rglob("*.tmpl") if p.is_file())
    for path in files:
        rel = render(str(path.relative_to(src).as_posix())[: -len(".tmpl")], values)
        out = root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(path.read_text(encoding="utf-8"), values), encoding="utf-8")
    return root


def cmd_new_plugin(args: argparse.Namespace) -> int:
    root = new_plugin(args.name, args.dest)
    v = names(args.name)
    print(f"created {root}\n  cd {root}\n  pip install -e '.[test]'\n  pytest\n"
          f"  neurodeck run {v['slug']}-rms --input FILE{v['extension']} --output rms.h5")
    return 0
