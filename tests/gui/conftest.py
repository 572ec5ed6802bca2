"""Window tests log unexpected errors to a throw-away folder, never the user's log."""

from __future__ import annotations

import os
import tempfile

os.environ["SUPERCUTS_LOG_DIR"] = tempfile.mkdtemp(prefix="supercuts-test-log-")
