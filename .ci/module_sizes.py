"""Fail if any Python module is 400 lines or longer: a module that big has
more than one job. Complexity is ruff's C901 (max 15, in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

LIMIT = 400

files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                        "*.py"], capture_output=True, text=True, check=True).stdout.split()
too_big = []
for path in files:
    try:
        with open(path, encoding="utf-8") as fh:
            n = sum(1 for _ in fh)
    except FileNotFoundError:
        continue  # deleted in the work tree
    if n >= LIMIT:
        too_big.append((n, path))
for n, path in sorted(too_big, reverse=True):
    print(f"{path}: {n} lines (limit {LIMIT})")
print(f"module sizes: {len(files)} modules, {len(too_big)} at or over {LIMIT} lines")
sys.exit(1 if too_big else 0)
