"""Writing a set of files all or nothing (no Qt): everything is written into a temporary folder
beside the target, then moved into place only when all of it is complete.

A failure half way (a full disk, a folder that refuses writing) leaves the target as it was and
removes the temporary folder; the message names the folder that refused. Moving into place
renames within one file system, after checking that every target folder can be written.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, PngImagePlugin

from desktop.errors import ExportError
from desktop.files import atomic_save_png, atomic_write, os_error_message

STAGING_PREFIX = ".logo-studio-partial-"


@dataclass(frozen=True)
class Written:
    """What an export or a brand kit wrote, and what the user should know about it."""

    files: list[Path]
    warnings: tuple[str, ...] = ()


def write_all(target: Path, files: dict[str, Callable[[Path], None]], action: str, on_written=None) -> list[Path]:
    """Write ``files`` (relative path -> a function writing that file at the path it is given)
    into the folder ``target``; return the final paths, in order. ``on_written(done, path)``
    follows each file as it is staged. ExportError (naming the folder that refused) when the
    disk refuses; nothing is left half-written."""
    target = Path(target)
    staging = _staging_folder(target, action)
    try:
        for done, (relative, write) in enumerate(files.items(), start=1):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
            if on_written is not None:
                on_written(done, target / relative)
        _check_writable(target, files)
        _move_into_place(staging, target, list(files))
    except OSError as error:
        folder = _refusing(error, target)
        if str(staging) in str(getattr(error, "filename", "") or ""):
            folder = target.parent  # the temporary folder beside the target could not be written
        raise ExportError(os_error_message(action, folder, error)) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [target / relative for relative in files]


def _staging_folder(target: Path, action: str) -> Path:
    """A new temporary folder beside ``target`` (inside it, hidden, when only it can be written)."""
    name = f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}-{target.name}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / name).mkdir()
        return target.parent / name
    except OSError as error:
        if target.is_dir():
            try:
                (target / name).mkdir()
                return target / name
            except OSError:
                pass
        raise ExportError(os_error_message(action, _refusing(error, target.parent), error)) from error


def _check_writable(target: Path, files) -> None:
    """Raise PermissionError naming the first existing target folder that cannot be written."""
    for folder in sorted({(target / relative).parent for relative in files}, key=lambda p: len(p.parts)):
        existing = folder
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise NotADirectoryError(20, "A file is in the way of a folder", str(existing))
        if not os.access(existing, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(existing))


def _move_into_place(staging: Path, target: Path, relatives: list[str]) -> None:
    """Rename ``staging`` to ``target`` if it does not exist; else move each file in, putting
    back the files already replaced if one move fails."""
    if not target.exists():
        os.rename(staging, target)
        return
    backup = staging / ".replaced"
    moved: list[tuple[Path, Path | None]] = []
    made: list[Path] = []
    try:
        for relative in relatives:
            final = target / relative
            for folder in reversed(final.relative_to(target).parents[:-1]):
                if not (target / folder).exists():
                    (target / folder).mkdir()
                    made.append(target / folder)
            kept = None
            if final.exists():
                kept = backup / relative
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(final, kept)
            moved.append((final, kept))
            os.replace(staging / relative, final)
    except BaseException:  # a full disk, or Ctrl+C: put back what was there
        for final, kept in reversed(moved):
            if kept is not None:
                os.replace(kept, final)
            else:
                final.unlink(missing_ok=True)
        for folder in reversed(made):
            folder.rmdir()
        raise


def _refusing(error: OSError, fallback: Path) -> Path:
    """The folder an OSError is about: the folder of its file name, else ``fallback``."""
    name = getattr(error, "filename", None)
    if not name:
        return fallback
    path = Path(name)
    return path if path.exists() else path.parent  # a folder, or a file standing where one is needed


def save_png(image: Image.Image, path: Path, pnginfo: PngImagePlugin.PngInfo | None = None, **options) -> None:
    """Save ``image`` as PNG atomically: RGB when it has no transparency, else RGBA."""
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")
    atomic_save_png(image, path, **({"pnginfo": pnginfo} if pnginfo is not None else {}), **options)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 atomically."""
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
