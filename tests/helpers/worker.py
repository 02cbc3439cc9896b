"""A real ``sentinel worker`` process on a test home (the queue beside its store)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no handler runs, no lease is released; as a crashed host would leave it."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait(timeout=10)


def start_worker(env: dict[str, str], log_path: Path, *args: str, timeout: float = 30) -> Worker:
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sentinel_cli", "worker", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = Worker(proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sentinel worker exited:\n{worker.log()}")
        if "Huey consumer started" in worker.log():
            return worker
        time.sleep(0.1)
    worker.stop()
    raise RuntimeError(f"sentinel worker did not start within {timeout} s:\n{worker.log()}")


@contextmanager
def running_worker(env: dict[str, str], log_path: Path, *args: str) -> Iterator[Worker]:
    worker = start_worker(env, log_path, *args)
    try:
        yield worker
    finally:
        worker.stop()
