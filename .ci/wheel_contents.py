"""Build the wheel and fail if it ships anything but candor's own packages
(a top-level `tests` would overwrite, and on uninstall delete, another
project's tests in the same venv)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ALLOWED = {"bot", "storage", "analytics"}

with tempfile.TemporaryDirectory() as out:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", out, "."], check=True)
    wheel = next(Path(out).glob("candor-*.whl"))
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
packages = {t for t in tops if not t.endswith((".dist-info", ".data"))}
print(f"wheel top level: {sorted(packages)}")
sys.exit(0 if packages <= ALLOWED else f"unexpected in the wheel: {sorted(packages - ALLOWED)}")
