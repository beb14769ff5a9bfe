"""Writing files so that a crash or a full disk never leaves half of one, and OS errors in plain words."""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from PIL import Image

TEMP_PREFIX = ".tmp-"


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write`` on a temporary file next to ``path``, sync it, then rename it into place,
    so ``path`` is either the old file or the complete new one, never half of one."""
    temporary = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_save_png(image: Image.Image, path: Path, **save_options) -> None:
    """Save ``image`` as PNG at ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda handle: image.save(handle, format="PNG", **save_options))


def os_error_message(action: str, folder: Path, error: OSError) -> str:
    """'Could not <action>: ...' naming the folder, for full disks and missing permissions."""
    if error.errno == errno.ENOSPC:
        return f"Could not {action}: the disk holding {folder} is full. Free some space and try again."
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Could not {action}: no permission to write in {folder}."
    return f"Could not {action} in {folder}: {error.strerror or error}."


def unused_path(path: Path) -> Path:
    """``path``, or ``name-2.png``, ``name-3.png``… : the first that does not exist, so nothing is overwritten."""
    candidate, number = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        number += 1
    return candidate
