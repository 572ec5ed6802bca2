"""Entry point of the packaged app (PyInstaller runs this file)."""

import multiprocessing
import sys

from supercuts_app.cli.main import main

if __name__ == "__main__":
    # Dask's local workers start processes: the frozen executable must act as one when asked.
    multiprocessing.freeze_support()
    sys.exit(main())
