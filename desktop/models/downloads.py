"""Downloading hub models into the shared Hugging Face cache, and removing them again.

Only what the model's family needs is fetched (see ``models.ALLOW_PATTERNS``: a repo holds only its
own family's parts, so SDXL brings its second text encoder and tokenizer, FLUX.1 its transformer and
T5 encoder, and nothing else: no single-file copies, fp16 variants or other formats).

LoRAs and tiny autoencoders come the same way (``download_hub_asset``): only the LoRA file, or the
tiny autoencoder's config and weights.

Everything goes through huggingface_hub's public API: ``snapshot_download`` fetches the files
(hf-xet where the repo has it, several files at once, the token sent only to Hugging Face hosts,
blobs shared with every other tool that uses the cache), reports bytes through a ``tqdm_class``,
and resumes a cut connection within the same run. A download that is cancelled or killed keeps the
files it finished; the file in flight starts over next time. ``scan_cache_dir`` removes models.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from desktop.errors import DownloadCancelled, DownloadFailed, ModelNotAvailable
from desktop.models.assets import (
    FOLDER_KINDS,
    TINY_VAE_FILES,
    asset_available,
    cached_file,
    cached_hub_lora,
    cached_tiny_vae,
    download_patterns,
    hub_lora_location,
    is_hub_asset,
    known_asset,
)
from desktop.models.catalog import missing_pipeline_files
from desktop.models.references import ALLOW_PATTERNS, IGNORE_PATTERNS, cached_hub_folder

DownloadCallback = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a hub model downloads."""

# A partial file this long untouched belongs to no running download (a live one writes every
# chunk): it was left by a download that was killed, and nothing else will ever clean it.
ABANDONED_AFTER_S = 60.0
PARTIAL_SUFFIXES = (".incomplete", ".partial")  # huggingface_hub's, and Logo Studio 0.x's own


def download_hub_model(
    repo_id: str, on_download: DownloadCallback | None = None, cancel: threading.Event | None = None
) -> Path:
    """The local folder of hub model ``repo_id``, downloading what is missing into the HF cache.

    Reports (bytes done, bytes total) through ``on_download``: the total is what is missing when
    the download starts. Setting ``cancel`` stops it within one chunk with DownloadCancelled.
    Files that finished stay in the cache, so the next download fetches only the rest. Other
    failures become ModelNotAvailable in plain words (see ``download_error``). A LoRA or tiny
    autoencoder reference (``assets.is_hub_asset``), or a repo without a pipeline that holds one
    LoRA, goes to ``download_hub_asset``: the window's download gate needs only this function.
    """
    if is_hub_asset(repo_id):
        return download_hub_asset(repo_id, on_download, cancel)
    folder = cached_hub_folder(repo_id)
    if folder is not None:
        return folder
    if asset_available(repo_id):  # a LoRA repo downloaded before
        return _cached_asset(repo_id)
    from huggingface_hub import constants, snapshot_download

    if constants.HF_HUB_OFFLINE:
        raise ModelNotAvailable(
            f"The model {repo_id} is not downloaded yet and Hugging Face downloads are switched off "
            "(offline mode). Go online and download it, or pick a local model folder or .safetensors file."
        )
    remove_abandoned_partial_files(repo_id)
    cancel = cancel or threading.Event()
    try:
        plan = snapshot_download(repo_id, allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS, dry_run=True)
        if not plan:  # no pipeline: one model in diffusers' folder form (a ControlNet), else a LoRA repo
            single = snapshot_download(repo_id, allow_patterns=list(TINY_VAE_FILES), dry_run=True)
            if {item.filename for item in single} != set(TINY_VAE_FILES):
                return download_hub_asset(repo_id, on_download, cancel)
            total = sum(item.file_size for item in single if item.will_download)
            progress = _byte_counter(total, on_download, cancel)
            return Path(snapshot_download(repo_id, allow_patterns=list(TINY_VAE_FILES), tqdm_class=progress))
        total = sum(item.file_size for item in plan if item.will_download)
        folder = Path(
            snapshot_download(
                repo_id,
                allow_patterns=ALLOW_PATTERNS,
                ignore_patterns=IGNORE_PATTERNS,
                tqdm_class=_byte_counter(total, on_download, cancel),
            )
        )
    except (DownloadCancelled, ModelNotAvailable):
        raise
    except Exception as error:
        raise download_error(repo_id, error) from error
    missing = missing_pipeline_files(folder)
    if missing:
        raise _not_a_pipeline(repo_id, missing)
    return folder


def download_hub_asset(
    ref: str, on_download: DownloadCallback | None = None, cancel: threading.Event | None = None
) -> Path:
    """Download a LoRA (``owner/name`` holding one LoRA, ``owner/name/file.safetensors``) or a tiny
    autoencoder repo into the HF cache, only the files it needs; returns the LoRA file or the tiny
    autoencoder's folder. Progress, cancel and errors as in ``download_hub_model``."""
    from huggingface_hub import constants, snapshot_download

    if asset_available(ref):
        return _cached_asset(ref)
    if constants.HF_HUB_OFFLINE:
        raise ModelNotAvailable(
            f"{ref} is not downloaded yet and Hugging Face downloads are switched off (offline mode). Go online "
            "and download it, or choose a file that is on this computer."
        )
    cancel = cancel or threading.Event()
    try:
        where = download_patterns(ref)
        if where is None:  # a LoRA repo whose file is not known: list its .safetensors files
            repo_id = hub_lora_location(ref)[0]
            listed = snapshot_download(repo_id, allow_patterns=["*.safetensors"], dry_run=True)
            where = download_patterns(ref, [item.filename for item in listed])
            if not listed:
                raise _not_a_pipeline(repo_id, ["model_index.json"])
            if where is None:
                raise ModelNotAvailable(
                    f"{repo_id} on Hugging Face is not a model, and not a repo with one LoRA in it "
                    f"({len(listed)} .safetensors files). Name the LoRA file: {repo_id}/FILE.safetensors."
                )
        repo_id, files = where
        remove_abandoned_partial_files(repo_id)
        plan = snapshot_download(repo_id, allow_patterns=files, dry_run=True)
        total = sum(item.file_size for item in plan if item.will_download)
        snapshot_download(repo_id, allow_patterns=files, tqdm_class=_byte_counter(total, on_download, cancel))
    except (DownloadCancelled, ModelNotAvailable):
        raise
    except Exception as error:
        raise download_error(ref, error) from error
    if not asset_available(ref) and not _lora_found(ref, files):
        raise ModelNotAvailable(f"{ref} was downloaded but its files are not complete; try the download again.")
    return _cached_asset(ref, files)


def _lora_found(ref: str, files: list[str]) -> bool:
    return cached_file(hub_lora_location(ref)[0], files[0]) is not None


def _cached_asset(ref: str, files: list[str] | None = None) -> Path:
    known = known_asset(ref)
    if known is not None and known.kind in FOLDER_KINDS:
        return cached_tiny_vae(ref)
    found = cached_hub_lora(ref)
    return found if found is not None else cached_file(hub_lora_location(ref)[0], files[0])


def _not_a_pipeline(repo_id: str, missing: list[str]) -> ModelNotAvailable:
    return ModelNotAvailable(
        f"{repo_id} on Hugging Face is not a Stable Diffusion model that Logo Studio can use (Stable Diffusion "
        f"1.5, SDXL or FLUX.1): it has no {', '.join(missing)}. Choose a model in diffusers format with "
        ".safetensors weights."
    )


def _byte_counter(total: int, on_download: DownloadCallback | None, cancel: threading.Event):
    """A tqdm class for ``snapshot_download`` that reports the bytes written to disk and raises
    DownloadCancelled from inside the download once ``cancel`` is set."""
    from huggingface_hub.utils import tqdm

    done = 0
    lock = threading.Lock()  # several files download at once, each on its own thread

    class ByteCounter(tqdm):
        def __init__(self, *args, **kwargs):
            # snapshot_download makes three bars: files fetched, bytes received and bytes
            # written; only the last one ("huggingface_hub.snapshot_download") counts bytes once.
            self._counts = kwargs.get("name") == "huggingface_hub.snapshot_download"
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            nonlocal done
            if cancel.is_set():
                raise DownloadCancelled("The download was stopped; the files that finished are kept.")
            if self._counts and n:
                with lock:
                    done += int(n)
                    reported = done
                if on_download is not None:
                    on_download(reported, total)
            return super().update(n)

    return ByteCounter


def partial_files(repo_id: str, cache: Path | None = None) -> list[Path]:
    """Unfinished downloads of ``repo_id`` lying in the HF cache's blob folder."""
    blobs = repo_cache_folder(repo_id, cache) / "blobs"
    try:
        return sorted(p for p in blobs.iterdir() if p.name.endswith(PARTIAL_SUFFIXES))
    except OSError:
        return []


def remove_abandoned_partial_files(repo_id: str, cache: Path | None = None) -> int:
    """Delete partial files of ``repo_id`` that no running download is writing; returns the bytes freed."""
    freed = 0
    for path in partial_files(repo_id, cache):
        try:
            info = path.stat()
            if time.time() - info.st_mtime >= ABANDONED_AFTER_S:
                path.unlink()
                freed += info.st_size
        except OSError:  # gone already, or not ours to delete: leave it
            continue
    return freed


def cached_size(repo_id: str, cache: Path | None = None) -> int:
    """Bytes that deleting ``repo_id`` from the HF cache would free (all revisions, partial files too)."""
    folder = repo_cache_folder(repo_id, cache)
    try:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    except OSError:
        return 0


def delete_cached_model(repo_id: str, cache: Path | None = None) -> int:
    """Delete every revision of ``repo_id`` from the HF cache (through huggingface_hub's own cache
    API) and its partial files; returns the bytes freed. Raises ModelNotAvailable when it fails."""
    from huggingface_hub import constants, scan_cache_dir

    freed = 0
    try:
        info = scan_cache_dir(cache or constants.HF_HUB_CACHE)
        revisions = [
            revision.commit_hash
            for repo in info.repos
            if repo.repo_id == repo_id and repo.repo_type == "model"
            for revision in repo.revisions
        ]
        if revisions:
            strategy = info.delete_revisions(*revisions)
            freed = strategy.expected_freed_size
            strategy.execute()
    except Exception as error:  # the cache API raises its own errors for unreadable caches
        raise ModelNotAvailable(f"Could not delete {repo_id} from the Hugging Face cache: {error}") from error
    for path in partial_files(repo_id, cache):
        try:
            freed += path.stat().st_size
            path.unlink()
        except OSError:
            continue
    return freed


def repo_cache_folder(repo_id: str, cache: Path | None = None) -> Path:
    """The folder of ``repo_id`` in the HF cache (default: the standard one), whether it exists or not."""
    from huggingface_hub import constants

    # The cache layout is part of huggingface_hub's documented contract ("models--owner--name").
    return Path(cache or constants.HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}"


def download_error(repo_id: str, error: BaseException) -> ModelNotAvailable:
    """The plain-words message for what went wrong while downloading ``repo_id``: no connection,
    a server error, an unknown or gated model, a full disk or a folder without write permission.
    ModelNotAvailable when the model cannot be had (unknown, gated), DownloadFailed otherwise."""
    import errno

    from huggingface_hub import constants
    from huggingface_hub import errors as hub_errors

    if isinstance(error, hub_errors.DryRunError) and error.__cause__ is not None:
        return download_error(repo_id, error.__cause__)  # the hub's own answer, wrapped by the dry run
    cache = constants.HF_HUB_CACHE
    again = "Files that finished are kept; the next try fetches the rest."
    if isinstance(error, hub_errors.GatedRepoError):
        return ModelNotAvailable(
            f"The model {repo_id} requires accepting its licence on huggingface.co and logging in "
            "(hf auth login) before it can be downloaded."
        )
    if isinstance(error, hub_errors.RepositoryNotFoundError):
        return ModelNotAvailable(f"There is no model called {repo_id} on Hugging Face. Check the spelling.")
    if isinstance(error, hub_errors.HfHubHTTPError):
        status = error.response.status_code if getattr(error, "response", None) is not None else "unknown"
        return DownloadFailed(
            f"Hugging Face answered with an error (HTTP {status}) while downloading {repo_id}; the site may be busy. "
            f"Try again in a few minutes. {again}"
        )
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return DownloadFailed(
            f"The disk is full: {repo_id} could not be saved into {cache}. Free some space and try again. {again}"
        )
    if isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DownloadFailed(
            f"Logo Studio may not write into {cache} (permission denied), so {repo_id} could not be downloaded. "
            "Fix the folder's permissions, or set HF_HOME to a folder you own."
        )
    if _is_connection_error(error):
        return DownloadFailed(
            f"Could not reach Hugging Face to download {repo_id}: the connection failed or was cut off. "
            f"Check your internet connection. {again}"
        )
    return DownloadFailed(f"Could not download {repo_id}: {error}. {again}")


def _is_connection_error(error: BaseException) -> bool:
    import httpx2  # huggingface_hub's HTTP client (declared in pyproject.toml with the same bounds)
    from huggingface_hub import errors as hub_errors

    network = (ConnectionError, TimeoutError, httpx2.TransportError)
    return isinstance(error, (*network, hub_errors.DryRunError, hub_errors.LocalEntryNotFoundError))
