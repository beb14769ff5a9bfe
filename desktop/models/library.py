"""The user's models: those found in the Hugging Face cache, the recommended ones, and those the
user added (hub ids, diffusers folders, ``.safetensors`` files); which ones are the defaults for
text-to-image and for inpainting; and downloads that were started but not finished, so they can be
resumed after a restart.

Kept in ``models.json`` in the settings folder, written atomically. Removing a model only takes it
off this list: its files stay where they are. Safe to share between threads (one lock, and every
read goes to the file).
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import ModelListError, ModelLoadError
from desktop.files import atomic_write, os_error_message
from desktop.models.catalog import (
    INPAINT,
    TXT2IMG,
    cached_models,
    default_model,
    pipeline_family,
    pipeline_kind,
    recommended_models,
)
from desktop.models.families import checkpoint_info, folder_info
from desktop.models.references import FOLDER, HUB, SINGLE_FILE, classify, is_hub_id

READY = "ready"
DOWNLOAD_PAUSED = "download paused"
NOT_DOWNLOADED = "not downloaded"
MISSING = "missing"
_STATE_ORDER = (READY, DOWNLOAD_PAUSED, NOT_DOWNLOADED, MISSING)


@dataclass(frozen=True)
class ModelEntry:
    """One row of the model manager.

    ``ref`` is what the engine loads (hub id or path); ``kind`` is txt2img, inpaint or '' when it
    is not known before the download; ``size_bytes`` is the size on disk, or the download size of
    a hub model not downloaded yet (None when unknown); ``downloaded_bytes`` counts what a paused
    download already has; ``family`` is sd15, sdxl or flux ('' when not known before the download).
    """

    ref: str
    name: str
    source: str
    kind: str
    size_bytes: int | None
    state: str
    user_added: bool = False
    recommended: bool = False
    downloaded_bytes: int = 0
    family: str = ""


class ModelLibrary:
    """The model list stored in ``folder/models.json``; ``hub_cache`` defaults to the standard one."""

    FILE_NAME = "models.json"

    def __init__(self, folder: Path, hub_cache: Path | None = None) -> None:
        self.path = Path(folder) / self.FILE_NAME
        self.hub_cache = hub_cache
        self._lock = threading.Lock()

    # -- stored state --------------------------------------------------------------------------

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or unreadable: start from an empty list
            data = {}
        if not isinstance(data, dict):
            data = {}
        lists = {key: [v for v in data.get(key, []) if isinstance(v, str)] for key in ("added", "hidden", "downloads")}
        defaults = data.get("defaults") if isinstance(data.get("defaults"), dict) else {}
        lists["defaults"] = {k: v for k, v in defaults.items() if k in (TXT2IMG, INPAINT) and isinstance(v, str)}
        return lists

    def _change(self, change) -> None:
        with self._lock:
            data = self._read()
            change(data)
            text = json.dumps({"version": 1, **data}, indent=2)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(self.path, lambda handle: handle.write(text.encode("utf-8")))
            except OSError as error:
                raise ModelListError(os_error_message("save the model list", self.path.parent, error)) from error

    # -- the list ------------------------------------------------------------------------------

    def add(self, ref: str) -> str:
        """Add a hub id, diffusers folder or ``.safetensors`` file; returns the stored reference.

        Raises ModelNotAvailable, UnsafeModelFormat or ModelLoadError with the reason when ``ref``
        is not something Logo Studio can load.
        """
        source = classify(ref)
        if source.kind == FOLDER:
            ref = str(Path(source.location).resolve())
            folder_info(Path(ref))  # raises ModelLoadError for a folder that is not a model Logo Studio runs
        elif source.kind == SINGLE_FILE:
            ref = str(Path(source.location).resolve())
            checkpoint_info(Path(ref))  # raises ModelLoadError for a file that is not a checkpoint
        else:
            ref = source.location

        def change(data):
            if ref not in data["added"]:
                data["added"].append(ref)
            data["hidden"] = [r for r in data["hidden"] if r != ref]

        self._change(change)
        return ref

    def remove(self, ref: str) -> None:
        """Take ``ref`` off the list (files stay on disk); it stops being a default."""

        def change(data):
            data["added"] = [r for r in data["added"] if r != ref]
            data["downloads"] = [r for r in data["downloads"] if r != ref]
            if ref not in data["hidden"]:
                data["hidden"].append(ref)
            data["defaults"] = {k: v for k, v in data["defaults"].items() if v != ref}

        self._change(change)

    def entries(self) -> list[ModelEntry]:
        """Every model on the list with its kind, size and state: ready ones first, then paused
        downloads, models to download, and added files or folders that are gone."""
        data = self._read()
        recommended = {model.id: model for model in recommended_models()}
        cached = {model.id: model for model in cached_models(self.hub_cache)}
        added = set(data["added"])
        chosen = [ref for ref in data["defaults"].values() if ref]
        refs = dict.fromkeys([*cached, *data["added"], *chosen, *recommended, *data["downloads"]])
        entries = [
            self._entry(ref, ref in added, recommended.get(ref), cached.get(ref), ref in data["downloads"])
            for ref in refs
            if ref not in data["hidden"] or ref in added
        ]
        return sorted(entries, key=lambda e: (_STATE_ORDER.index(e.state), e.name.lower()))

    def _entry(self, ref, user_added, recommended, cached, downloading) -> ModelEntry:
        is_recommended = recommended is not None
        kind = cached.kind if cached else recommended.kind if recommended else ""
        family = cached.family if cached else recommended.family if recommended else ""
        source = _source_of(ref)
        if source == HUB:
            name = recommended.name if recommended else ref
            size = recommended.download_bytes if recommended else None
            state, done = NOT_DOWNLOADED, 0
            if downloading:
                state, done = DOWNLOAD_PAUSED, self.partial_bytes(ref)
            elif cached:
                state, size = READY, cached.size_bytes
            return ModelEntry(ref, name, HUB, kind, size, state, user_added, is_recommended, done, family)
        path = Path(ref)
        try:
            if source == FOLDER:
                kind, size, family = pipeline_kind(path), _folder_size(path), pipeline_family(path)
            else:
                info = checkpoint_info(path)
                kind, size, family = INPAINT if info.inpaint_only else TXT2IMG, path.stat().st_size, info.family.name
        except (OSError, ModelLoadError):
            return ModelEntry(ref, path.name, source, "", None, MISSING, user_added)
        return ModelEntry(ref, path.name, source, kind, size, READY, user_added, family=family)

    # -- defaults ------------------------------------------------------------------------------

    def default(self, kind: str) -> str:
        """The default model for ``kind``: the user's choice, else the first recommended
        text-to-image model; for inpainting '' means "the text-to-image model"."""
        chosen = self._read()["defaults"].get(kind, "")
        if chosen or kind == INPAINT:
            return chosen
        return default_model(TXT2IMG)

    def set_default(self, kind: str, ref: str) -> None:
        """Make ``ref`` the default for ``kind`` ('' clears the choice) and keep it on the list."""

        def change(data):
            data["defaults"][kind] = ref
            if ref:
                data["hidden"] = [r for r in data["hidden"] if r != ref]

        self._change(change)

    # -- downloads -----------------------------------------------------------------------------

    def download_started(self, repo_id: str) -> None:
        """Remember a download until it finishes, so an interrupted one is offered again later."""
        self._change(lambda data: data["downloads"].append(repo_id) if repo_id not in data["downloads"] else None)

    def download_finished(self, repo_id: str) -> None:
        self._change(lambda data: data.update(downloads=[r for r in data["downloads"] if r != repo_id]))

    def download_stopped(self, repo_id: str) -> None:
        """A download was cancelled or failed: it stays on offer for resuming only if some of it
        was kept (a refused or failed-at-once download is not offered at every start)."""
        if self.partial_bytes(repo_id) == 0:
            with contextlib.suppress(ModelListError):  # a read-only settings folder: the offer stays
                self.download_finished(repo_id)

    def unfinished_downloads(self) -> list[str]:
        """Hub ids whose download started and has not finished (cancelled, failed or cut off)."""
        return self._read()["downloads"]

    def partial_bytes(self, repo_id: str) -> int:
        """Bytes of ``repo_id`` already in the Hugging Face cache, finished files and partial ones."""
        from desktop.models.downloads import repo_cache_folder

        blobs = repo_cache_folder(repo_id, self.hub_cache) / "blobs"
        try:
            return sum(blob.stat().st_size for blob in blobs.iterdir() if blob.is_file())
        except OSError:
            return 0


def _source_of(ref: str) -> str:
    """hub, folder or file, also for a path that no longer exists."""
    path = Path(ref).expanduser()
    if path.is_dir():
        return FOLDER
    if path.exists() or not is_hub_id(ref):
        return SINGLE_FILE if path.suffix else FOLDER
    return HUB


def _folder_size(folder: Path) -> int:
    if not folder.is_dir():
        raise OSError(f"{folder} is gone")
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
