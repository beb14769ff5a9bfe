"""``logo-studio --check``: what a bug report needs, one line per fact, never a traceback."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable, Iterator
from importlib import metadata

from desktop import __version__

PACKAGES = ("PySide6-Essentials", "torch", "diffusers", "transformers", "accelerate", "huggingface_hub", "pillow")


def diagnosis() -> Iterator[str]:
    """The report's lines; a fact that cannot be found says so instead of failing."""
    yield f"Logo Studio {__version__}"
    yield f"Python {platform.python_version()} on {platform.platform()}"
    yield "Packages: " + ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    yield _line("Device", _device)
    yield _line("Data folder", _data_folder)
    yield _line("Settings folder", lambda: str(_paths().config_dir()))
    yield _line("Hugging Face cache", _hub_cache)
    yield _line("Models in the cache", _cached)
    yield _line("Chosen models", _chosen)
    yield _line("Added models", _added)
    yield _line("Recommended models", _recommended)


def _line(label: str, fact: Callable[[], str]) -> str:
    try:
        return f"{label}: {fact()}"
    except Exception as error:  # noqa: BLE001 - a diagnosis reports problems, it does not raise them
        return f"{label}: unknown ({type(error).__name__}: {error})"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def _paths():
    from desktop import paths

    return paths


def _device() -> str:
    import torch

    from desktop.engine.devices import choose_device, device_preference

    preference = device_preference()
    cuda = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"
    return f"{choose_device(preference).describe()} (preference {preference}; PyTorch {cuda})"


def _data_folder() -> str:
    from desktop.gallery import GalleryStore

    folder = _paths().data_dir()
    count = len(GalleryStore(folder)) if folder.exists() else 0
    writable = os.access(folder if folder.exists() else folder.parent, os.W_OK)
    return f"{folder} ({count} images, {'writable' if writable else 'NOT writable'})"


def _hub_cache() -> str:
    from huggingface_hub import constants

    return f"{constants.HF_HUB_CACHE} (downloads {'off: offline mode' if constants.HF_HUB_OFFLINE else 'on'})"


def _cached() -> str:
    from desktop.models.catalog import cached_models, human_size

    models = cached_models()
    if not models:
        return "none"
    return "; ".join(f"{m.id} ({m.kind}, {human_size(m.size_bytes)})" for m in models)


def _library():
    from desktop.models.library import ModelLibrary

    return ModelLibrary(_paths().config_dir())


def _chosen() -> str:
    from desktop.models.catalog import INPAINT, TXT2IMG

    library = _library()
    inpaint = library.default(INPAINT) or "the text-to-image model"
    return f"text-to-image {library.default(TXT2IMG)}; inpainting {inpaint}"


def _added() -> str:
    from desktop.models.catalog import human_size

    added = [entry for entry in _library().entries() if entry.user_added]
    if not added:
        return "none"

    def size(entry) -> str:
        return human_size(entry.size_bytes) if entry.size_bytes else "size unknown"

    return "; ".join(f"{e.ref} ({e.kind or 'kind unknown'}, {size(e)}, {e.state})" for e in added)


def _recommended() -> str:
    from desktop.models.catalog import recommended_models
    from desktop.models.references import is_available_locally

    return "; ".join(
        f"{m.id} ({'downloaded' if is_available_locally(m.id) else 'not downloaded'})" for m in recommended_models()
    )


def print_diagnosis() -> int:
    for line in diagnosis():
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(print_diagnosis())
