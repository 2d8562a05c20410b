"""Run hostile cases through a driver process (the app) and count what happened.

A case is sent to :mod:`driver`; no answer within the case time limit is a *hang* (the
driver is killed and restarted for the next case), a driver that dies is a *crash*, a
driver whose resident memory grows past the limit is killed as *memory over budget*.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from hostile_cases import Case, Env

HERE = Path(__file__).parent
COLUMNS = ("tried", "opened", "clean error", "unclean error", "wrong outcome", "crash", "hang",
           "memory over budget", "code executed", "file touched outside")
MUST_BE_ZERO = COLUMNS[3:]


@dataclass
class Report:
    rows: list[dict] = field(default_factory=list)

    def counts(self, item: str | None = None) -> dict[str, int]:
        rows = [r for r in self.rows if item is None or r["item"] == item]
        out = dict.fromkeys(COLUMNS, 0)
        out["tried"] = len(rows)
        for r in rows:
            for flag in r["flags"]:
                out[flag] += 1
        return out

    def table(self) -> str:
        items = list(dict.fromkeys(r["item"] for r in self.rows))
        head = "| class | " + " | ".join(COLUMNS) + " |"
        lines = [head, "|" + "---|" * (len(COLUMNS) + 1)]
        for item in [*items, None]:
            c = self.counts(item)
            label = item if item is not None else "**all**"
            lines.append(f"| {label} | " + " | ".join(str(c[k]) for k in COLUMNS) + " |")
        return "\n".join(lines)

    def findings(self) -> list[str]:
        return [f"{r['name']}: {', '.join(f for f in r['flags'] if f in MUST_BE_ZERO)} - "
                f"{r.get('message', '')[:300]} {r.get('touched', '')} {r.get('code', '')}"
                for r in self.rows if any(f in MUST_BE_ZERO for f in r["flags"])]


class Driver:
    def __init__(self, env: Env, budget: int, probe_timeout: float, config: Path):
        e = dict(os.environ)
        e.update(NEURODECK_MEMORY_BUDGET=str(budget), NEURODECK_PROBE_TIMEOUT=str(probe_timeout),
                 NEURODECK_CONFIG_DIR=str(config), PYTHONUNBUFFERED="1",
                 PYTHONPATH=os.pathsep.join([str(HERE), e.get("PYTHONPATH", "")]))
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "driver.py"), str(env.secrets), str(env.canary)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=e, cwd=str(env.root))
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        ready = self.lines.get(timeout=120)
        if not ready:
            raise RuntimeError("the hostile-input driver did not start")
        self.base = self.rss()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def rss(self) -> int:
        try:
            with open(f"/proc/{self.proc.pid}/statm", encoding="ascii") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            return 0

    def ask(self, case: Case, timeout: float, memory_cap: int) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(case.to_json()) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if time.monotonic() > deadline:
                    self.kill()
                    return {"outcome": "hang", "message": f"no answer within {timeout:.0f} s"}
                if self.rss() - self.base > memory_cap:
                    self.kill()
                    return {"outcome": "memory over budget",
                            "message": f"the app grew past {memory_cap >> 20} MiB"}
                continue
            if line is None:
                self.proc.wait(10)
                return {"outcome": "crash", "message": f"the app died ({self.proc.returncode})"}
            return json.loads(line)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def run(cases: list[Case], env: Env, *, budget: int = 512 * 2**20, probe_timeout: float = 20,
        case_timeout: float = 90, config: Path | None = None) -> Report:
    config = config or env.root / "config"
    config.mkdir(exist_ok=True)
    report = Report()
    driver: Driver | None = None
    slack = 256 * 2**20
    for case in cases:
        if driver is None:
            driver = Driver(env, budget, probe_timeout, config)
        reply = driver.ask(case, case_timeout, 2 * budget + slack)
        outcome = reply["outcome"]
        if outcome in ("hang", "crash", "memory over budget"):
            driver = None
        flags = [outcome]
        if reply.get("peak_growth", 0) > budget + slack and outcome != "memory over budget":
            flags.append("memory over budget")
        if reply.get("code") or reply.get("canary") or env.canary.exists():
            flags.append("code executed")
            env.canary.unlink(missing_ok=True)
        if reply.get("touched"):
            flags.append("file touched outside")
        if case.expect == "error" and outcome == "opened":
            flags.append("wrong outcome")
        if case.expect == "open" and outcome != "opened":
            flags.append("wrong outcome")
        report.rows.append({"name": case.name, "item": case.item, "flags": flags, **reply})
    if driver is not None:
        driver.kill()
    return report
