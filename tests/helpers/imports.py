"""Which heavy libraries a ``sentinel`` command imports, measured in a fresh interpreter (the
start-up tests of every command group use it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "boto3",
    "botocore",
    "github",
    "fpdf",
    "fastapi",
    "uvicorn",
    "moto",
    "jinja2",
    "keyring",
    "httpx",
)

PROBE = """
import sys
from sentinel_cli.cli import main
code = "none"  # main always ends with SystemExit; "none" means it returned instead
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = 0 if exc.code is None else exc.code
sys.stdout.flush()
print(f"CODE={code}", file=sys.stderr)
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""


def heavy_modules_for(args: list[str], home: Path, *, exit_code: int = 0) -> list[str]:
    """The heavy modules imported by a run of ``sentinel *args`` that ended with ``exit_code``."""
    env = {**os.environ, "SENTINEL_HOME": str(home), "SENTINEL_SECRETS_BACKEND": "file"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert f"CODE={exit_code}" in proc.stderr.splitlines(), (args, proc.stderr)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("HEAVY=")][-1]
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]
