"""The command line's side of downloads: the consent question on a terminal (refused, with the
ways to agree, where there is no terminal or no stdin at all), and progress on stderr. The download
itself is ``desktop.models.downloads``, as in the window. Also ``logo-studio download``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from desktop.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, fail
from desktop.errors import (
    DownloadCancelled,
    DownloadNeedsConsent,
    InvalidParameters,
    LogoStudioError,
    ModelNotAvailable,
)


def ensure_downloaded(model: str, yes: bool) -> None:
    """Make sure hub model ``model`` is in the cache: download it if the user agrees (``--yes``, or
    "y" at the terminal's question). Without a terminal and without --yes, raise
    DownloadNeedsConsent before any network request."""
    from desktop.models.assets import is_hub_asset
    from desktop.models.catalog import confirm_download
    from desktop.models.references import is_available_locally, is_hub_id

    if not (is_hub_id(model) or is_hub_asset(model)) or is_available_locally(model):
        return
    if not confirm_download(model, lambda plan: yes or ask_on_terminal(plan)):
        raise DownloadNeedsConsent(f"{model} was not downloaded.")
    download(model)


def ask_on_terminal(plan) -> bool:
    """The download question on the terminal; without a terminal (a script, CI, a windowed app with
    no stdin at all) nobody can answer, so raise DownloadNeedsConsent naming the ways to agree."""
    if not interactive():
        raise DownloadNeedsConsent(
            f"{plan.name} is not downloaded yet ({plan_size(plan)}) and there is nobody to ask: add --yes to "
            f"download it, or run `logo-studio download {plan.id}` first."
        )
    return input(plan.question() + " [y/N] ").strip().lower() in ("y", "yes")


def interactive() -> bool:
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stderr))


def plan_size(plan) -> str:
    from desktop.models.catalog import human_size

    return f"about {human_size(plan.download_bytes)}" if plan.download_bytes else "size unknown"


def download(model: str) -> Path:
    """Download ``model`` with progress on stderr, through the same function as the window."""
    from desktop.models.catalog import DownloadMeter
    from desktop.models.downloads import download_hub_model
    from desktop.models.library import ModelLibrary
    from desktop.paths import config_dir

    library = ModelLibrary(config_dir())
    meter, last_line = DownloadMeter(), [0.0]

    def report(done: int, total: int) -> None:
        text = f"Downloading {model}: {meter.text(done, total)}"
        if sys.stderr.isatty():
            print(f"\r{text}   ", end="", file=sys.stderr, flush=True)
        elif time.monotonic() - last_line[0] >= 5 or done == total:  # a log file gets a line now and then
            last_line[0] = time.monotonic()
            status(text)

    library.download_started(model)
    try:
        folder = download_hub_model(model, report)
    except (DownloadCancelled, ModelNotAvailable):
        library.download_stopped(model)
        raise
    finally:
        status("")
    library.download_finished(model)
    return folder


def status(text: str) -> None:
    """One line on stderr (where a CLI's messages go; stdout holds the paths it wrote)."""
    print(text, file=sys.stderr, flush=True)


def run_download(args: argparse.Namespace) -> int:
    """Run ``logo-studio download``; returns the exit code."""
    from desktop.models.assets import is_hub_asset
    from desktop.models.catalog import confirm_download
    from desktop.models.references import DEFAULT_MODEL, cached_hub_folder, is_available_locally, is_hub_id

    model = args.model or DEFAULT_MODEL
    if not (is_hub_id(model) or is_hub_asset(model)):
        return fail(InvalidParameters("model", f"{model} is not a Hugging Face model id (owner/name)."), EXIT_USAGE)
    folder = cached_hub_folder(model)
    if folder is None and is_available_locally(model):  # a LoRA or tiny autoencoder already here
        folder = download(model)  # answers from the cache, without a request
    if folder is None:
        try:
            if not confirm_download(model, lambda plan: args.yes or ask_on_terminal(plan)):
                return EXIT_FAILURE
            folder = download(model)
        except KeyboardInterrupt:
            status("\nStopped. Files that finished are kept; run the same command again for the rest.")
            return EXIT_INTERRUPTED
        except DownloadNeedsConsent as error:
            return fail(error, EXIT_USAGE)
        except LogoStudioError as error:
            return fail(error, EXIT_FAILURE)
    print(folder)
    return 0
