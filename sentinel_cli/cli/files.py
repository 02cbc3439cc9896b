"""Writing a downloaded document (a policy, a report PDF) to the file ``--output`` names.

The operations return documents as bytes with a file name; putting them on the user's disk is the
command line's job (the API streams the same bytes instead), so the writer lives with the CLI.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from sentinel_cli.errors import Conflict, InvalidInput


class Document(Protocol):
    """What the writer needs of a downloaded document (``operations.policies.PolicyDocument``)."""

    @property
    def content(self) -> bytes: ...

    @property
    def filename(self) -> str: ...


def write_document(doc: Document, output: str | Path | None, *, force: bool = False) -> Path:
    """Write ``doc`` to ``output`` (a file, or a directory to hold ``doc.filename``).

    Refuses to replace an existing file unless ``force``; a forced write goes through a temporary
    file in the same directory so a failure never leaves half a document behind.
    """
    path = Path(output).expanduser() if output else Path(doc.filename)
    if path.is_dir():
        path = path / doc.filename
    parent = path.parent
    if not parent.is_dir():
        raise InvalidInput(
            f"--output: the directory {str(parent)!r} does not exist",
            hint="create it first, or choose another --output path",
        )
    if path.exists() and not force:
        raise Conflict(
            f"--output: {str(path)!r} already exists", hint="pass --force to overwrite it"
        )
    try:
        if not force:
            with path.open("xb") as fh:
                fh.write(doc.content)
            return path
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(doc.content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except FileExistsError:
        raise Conflict(
            f"--output: {str(path)!r} already exists", hint="pass --force to overwrite it"
        ) from None
    except OSError as exc:
        raise InvalidInput(f"--output: cannot write {str(path)!r}: {exc.strerror or exc}") from None
    return path
