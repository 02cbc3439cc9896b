"""``sentinel reports`` as a client of ``sentinel serve``: generated, listed, downloaded and verified
on the server's store, with the output and exit codes of the same commands run locally there.

Reuses the real server (the evidence estate of ``tests/helpers/estate.py``) and the client/local
runner of ``tests/client/conftest.py``; this module gets a server of its own.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.helpers.client_mode import Sides


def test_reports_round_trip_through_the_server(sides: Sides, tmp_path: Path) -> None:
    sides.login()
    both = (sides.client, sides.local)

    for argv, words in (
        (["--type", "WEEKLY"], "EXECUTIVE_SUMMARY"),
        (["--type", "SOC2_AUDIT", "--period-start", "2025-13-01"], "--period-start"),
    ):
        remote, local = (side("reports", "generate", *argv) for side in both)
        assert remote.exit_code == local.exit_code == 2, (remote.stderr, local.stderr)
        assert words in remote.stderr and remote.stderr == local.stderr

    generated = sides.client("reports", "generate", "--type", "EXECUTIVE_SUMMARY", "--json")
    assert generated.exit_code == 0, generated.stderr
    report = generated.json()["report"]
    assert report["status"] == "COMPLETED" and report["reportType"] == "EXECUTIVE_SUMMARY"
    assert report["summary"]["evidenceInPeriod"] and report["createdBy"] == "admin@example.com"

    listed = sides.client("reports", "list", "--json")
    assert listed.exit_code == 0
    assert report in listed.json()["reports"]
    for argv in (["reports", "list", "--json"], ["reports", "list"]):
        assert sides.client(*argv).stdout == sides.local(*argv).stdout, argv

    path = tmp_path / "f.pdf"
    downloaded = sides.client("reports", "download", report["id"][:8], "--output", str(path))
    assert downloaded.exit_code == 0, downloaded.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == report["sha256"]
    named = tmp_path / "dir"
    named.mkdir()
    assert sides.client("reports", "download", report["id"], "-o", str(named)).exit_code == 0
    assert (named / report["fileName"]).read_bytes() == path.read_bytes()  # the server's name
    again = sides.client("reports", "download", report["id"], "-o", str(path))
    assert again.exit_code == 7 and "--force" in again.stderr
    missing = [side("reports", "download", "ffffffff", "-o", "x.pdf") for side in both]
    assert [r.exit_code for r in missing] == [3, 3] and missing[0].stderr == missing[1].stderr

    verified = sides.client("reports", "verify", str(path))
    assert verified.exit_code == 0 and "Verified" in verified.stdout, verified.stderr
    assert report["id"] in verified.stdout
    assert verified.stdout == sides.local("reports", "verify", str(path)).stdout

    altered_file = named / report["fileName"]
    tampered = bytearray(altered_file.read_bytes())
    tampered[len(tampered) // 2] ^= 0x01
    altered_file.write_bytes(bytes(tampered))
    unknown_file = tmp_path / "copy.pdf"
    unknown_file.write_bytes(bytes(tampered))
    for file, verdict in ((altered_file, "ALTERED"), (unknown_file, "UNKNOWN")):
        remote = sides.client("reports", "verify", str(file), "--json")
        local = sides.local("reports", "verify", str(file), "--json")
        assert remote.exit_code == local.exit_code == 1, (remote.stderr, local.stderr)
        assert remote.json()["verdict"] == verdict and remote.stdout == local.stdout
    human = [side("reports", "verify", str(altered_file)) for side in both]
    assert "Altered" in human[0].stderr and human[0].stderr == human[1].stderr
    nothing = [side("reports", "verify", str(tmp_path / "none.pdf")) for side in both]
    assert [r.exit_code for r in nothing] == [2, 2]
