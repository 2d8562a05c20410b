"""The app side of the hostile-input suite: one process that opens case after case.

Started by :mod:`runner`; reads one JSON case per line on stdin and answers one JSON
line each. It watches what each case makes *this* process do (an audit hook records
opens of files outside the case folder and attempts to run code; the canary file shows
an executed payload; the peak resident memory shows an allocation over the budget). It
installs nothing that protects the app: what it measures is the app's own behaviour.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

#: Events that change a file: any on a secret is a finding (a save cleaning up through a
#: link deleted files the workspace never wrote).
WRITE_EVENTS = ("os.remove", "os.rmdir", "os.rename", "shutil.rmtree", "os.truncate")
CODE_EVENTS = ("pickle.find_class", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
               "subprocess.Popen")


class Recorder:
    def __init__(self) -> None:
        from neurodeck.safety.fsguard import system_roots

        self.folder: Path | None = None
        self.secrets: Path | None = None
        self.roots = system_roots()
        self.touched: list[str] = []
        self.code: list[str] = []
        sys.addaudithook(self.hook)

    def start(self, folder: Path, secrets: Path) -> None:
        from neurodeck.safety.fsguard import system_roots

        self.roots = system_roots()
        self.touched, self.code = [], []
        self.folder, self.secrets = folder, secrets

    def stop(self) -> None:
        self.folder = None

    def hook(self, event: str, args: tuple) -> None:
        if self.folder is None:
            return
        if event in WRITE_EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
            from neurodeck.safety.references import under

            path = os.path.abspath(os.fsdecode(args[0]))
            if under(path, self.secrets):  # deleting or moving a file it never owned
                self.touched.append(f"{event} {path}")
        elif event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            from neurodeck.safety.references import inside, under

            path = os.path.abspath(os.fsdecode(args[0]))
            if under(path, self.folder) and inside(self.folder, path):
                return
            if any(under(path, r) for r in self.roots) and not under(path, self.secrets):
                return
            self.touched.append(path)
        elif event.startswith(CODE_EVENTS):
            text = repr(args)[:300]
            if "neurodeck.safety.worker" in text:  # the probe worker itself
                return
            from neurodeck.safety.fsguard import _importing, _trusted_unpickler

            if _importing() or (event == "pickle.find_class" and _trusted_unpickler()):
                return
            self.code.append(f"{event} {text}")


def _rss() -> tuple[int, int]:
    """(current, peak) resident bytes of this process (Linux; zeros elsewhere)."""
    cur = peak = 0
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    cur = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:
        pass
    return cur, peak


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def _touch(out) -> None:  # noqa: ANN001
    from neurodeck.safety.worker import touch

    if hasattr(out, "is_a") or isinstance(out, list):
        touch(out)


def run_case(case: dict, rec: Recorder, secrets: Path, canary: Path) -> dict:
    import neurodeck
    from neurodeck.errors import ReadError
    from neurodeck.plugin_api.lazy import resolve

    path = Path(case["path"])
    _reset_peak()
    base, _ = _rss()
    rec.start(path.parent, secrets)
    t0 = time.perf_counter()
    outcome, message = "opened", ""
    try:
        if case["call"]:
            out = resolve(case["call"])(path, **case["options"])
        else:
            out = neurodeck.open(path, **case["options"])
        _touch(out)
        del out
    except ReadError as exc:
        outcome, message = "clean error", str(exc)
        if path.name not in message:
            outcome = "unclean error"
            message = "the error does not name the file: " + message
        elif case["need"] and case["need"].lower() not in message.lower():
            outcome = "unclean error"
            message = f"the error does not say {case['need']!r}: " + message
    except Exception as exc:  # noqa: BLE001 - a raw exception is a finding
        outcome = "unclean error"
        message = "".join(traceback.format_exception_only(exc)).strip()
    finally:
        rec.stop()
    _, peak = _rss()
    return {"name": case["name"], "outcome": outcome, "message": message[:600],
            "seconds": round(time.perf_counter() - t0, 3), "peak_growth": max(peak - base, 0),
            "touched": sorted(set(rec.touched))[:5], "code": rec.code[:5],
            "canary": canary.exists()}


def main() -> None:
    secrets, canary = Path(sys.argv[1]), Path(sys.argv[2])
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    rec = Recorder()
    import neurodeck  # noqa: F401 - imported before the first case is timed

    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        case = json.loads(line)
        out.write(json.dumps(run_case(case, rec, secrets, canary)) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
