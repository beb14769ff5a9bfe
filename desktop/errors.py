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


class DeviceNotAvailable(LogoStudioError):
    """The device asked for is unknown or not present on this computer."""


class ModelNotAvailable(LogoStudioError):
    """The model is not on this computer and cannot be fetched right now."""


class ModelNotDownloaded(ModelNotAvailable):
    """A Hugging Face model that is not in the local cache yet; ``repo_id`` names it."""

    def __init__(self, repo_id: str) -> None:
        super().__init__(
            f"{repo_id} is not downloaded yet. Download it first (Models… in the window, or "
            f"logo-studio download {repo_id}), or pick a model that is on this computer."
        )
        self.repo_id = repo_id


class ModelFamilyUnknown(ModelNotAvailable):
    """Neither a ComfyUI server nor a model's name says which family ``model`` is: the user says it once."""

    def __init__(self, model: str) -> None:
        super().__init__(
            f"The server does not say which kind of model {model} is. Choose it once: Stable Diffusion 1.5, "
            "SDXL or FLUX.1 (on the command line: --family sd15, sdxl or flux)."
        )
        self.model = model


class ModelLoadError(LogoStudioError):
    """The model files exist but could not be loaded."""


class UnsafeModelFormat(ModelLoadError):
    """A pickle-based checkpoint, refused because loading it can run arbitrary code."""


class DownloadNeedsConsent(LogoStudioError):
    """A model would have to be downloaded and nobody has agreed to it (e.g. a script without --yes)."""


class NotEnoughDiskSpace(LogoStudioError):
    """A download would not fit on the disk; nothing was fetched."""


class DownloadFailed(ModelNotAvailable):
    """A download that was agreed to did not finish: no connection, a server error, a full disk."""


class DownloadCancelled(LogoStudioError):
    """The user stopped a download; finished files stay in the Hugging Face cache."""


class OutOfMemory(LogoStudioError):
    """The device ran out of memory during loading or generation."""


class GenerationCancelled(LogoStudioError):
    """The user cancelled the job; nothing was produced for the image in flight."""


class MetadataError(LogoStudioError, ValueError):
    """A PNG holds no generation parameters we can read."""


class GalleryError(LogoStudioError):
    """The gallery could not save, read or delete an item."""


class ExportConflict(LogoStudioError):
    """An export would replace files that already exist; nothing was written."""


class ExportError(LogoStudioError):
    """Exported files could not be written (disk full, no permission, ...)."""


class ModelListError(LogoStudioError):
    """The list of models (settings folder) could not be saved."""
