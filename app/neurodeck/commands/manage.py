"""Arguments of ``install-plugin``, ``remove-plugin`` and ``new-plugin``."""

from __future__ import annotations

import argparse


def configure_install(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="a .whl file or a requirement (neurodeck-foo>=1)")
    p.add_argument("--upgrade", action="store_true", help="update it if already installed")
    p.add_argument("--list", action="store_true", help="list the installed plugins instead")
    p.add_argument("--pip-arg", action="append", default=[], metavar="ARG",
                   help="extra pip argument, e.g. --pip-arg=--no-index (repeatable)")


def configure_remove(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="its distribution or plugin name")


def configure_new_plugin(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="plugin name, e.g. spike-rate (-> neurodeck-spike-rate/)")
    p.add_argument("--dest", default=".", help="folder to create it in (default: here)")
