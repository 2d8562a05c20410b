"""Entry point of the frozen app (PyInstaller): the ``neurodeck`` command and GUI.

Run as ``neurodeck-gui`` (windowed executable on Windows/macOS) it always starts the
GUI; as ``neurodeck`` it is the full command line. Started by the plugin installer
with ``NEURODECK_RUN_PIP=1`` it acts as the bundled pip instead, and started by the file
probe with ``NEURODECK_RUN_PROBE=1`` as the probe worker (neurodeck.safety.worker).
"""

import multiprocessing
import sys
from pathlib import Path


def main() -> int:
    # dask/joblib may start worker processes by re-running this executable.
    multiprocessing.freeze_support()
    from neurodeck.plugin_api.installer import run_pip_if_requested

    run_pip_if_requested()
    from neurodeck.safety.worker import run_if_requested as run_probe_worker_if_requested

    run_probe_worker_if_requested()
    if Path(sys.executable).stem.lower() == "neurodeck-gui":
        from neurodeck.gui.app import main as gui_main

        return gui_main(sys.argv[1:])
    from neurodeck.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
