"""Typed errors with messages written for the user, shared by params, engine, gallery and CLI.

Every error carries ``message``: one or two plain sentences that say what went wrong and what to
do next. The window and the CLI show exactly that text; tracebacks go to the log only.
"""

from __future__ import annotations


class LogoStudioError(Exception):
    """Base of every error the app shows to the user."""

    @property
    def message(self) -> str:
        return str(self)


class InvalidParameters(LogoStudioError, ValueError):
    """A request field is out of range or malformed; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ModelNotAvailable(LogoStudioError):
    """The model is not on this computer and cannot be fetched right now."""


class ModelLoadError(LogoStudioError):
    """The model files exist but could not be loaded."""


class UnsafeModelFormat(ModelLoadError):
    """A pickle-based checkpoint, refused because loading it can run arbitrary code."""


class OutOfMemory(LogoStudioError):
    """The device ran out of memory during loading or generation."""


class GenerationCancelled(LogoStudioError):
    """The user cancelled the job; nothing was produced for the image in flight."""


class MetadataError(LogoStudioError, ValueError):
    """A PNG holds no generation parameters we can read."""


class GalleryError(LogoStudioError):
    """The gallery could not save, read or delete an item."""


class ModelListError(LogoStudioError):
    """The list of models (settings folder) could not be saved."""
