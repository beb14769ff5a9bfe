"""Downloads through huggingface_hub's own code, from a hub look-alike on 127.0.0.1 (local_hub.py):
progress, cancel, a connection cut mid-file, a download killed with the app and finished by the
next run, the token kept from other hosts, leftover partial files, deleting a model, and every
failure in plain words."""

import errno
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from local_hub import CHUNK, snapshot_files
from no_network_child import guarded_env, network_attempts

from desktop.engine import Engine, choose_device
from desktop.errors import DownloadCancelled, DownloadFailed, ModelNotAvailable, ModelNotDownloaded
from desktop.models.downloads import (
    ABANDONED_AFTER_S,
    cached_size,
    delete_cached_model,
    download_error,
    download_hub_model,
    partial_files,
    remove_abandoned_partial_files,
)
from desktop.models.references import cached_hub_folder
from desktop.params import GenerationParams

REPO = "test-org/tiny-sd"


def same_files(snapshot: Path, source: Path) -> bool:
    """True when the downloaded snapshot holds exactly the source folder's bytes."""
    wanted = {p.relative_to(source): hashlib.sha256(p.read_bytes()).digest() for p in source.rglob("*") if p.is_file()}
    got = {p.relative_to(snapshot): hashlib.sha256(p.read_bytes()).digest() for p in snapshot.rglob("*") if p.is_file()}
    return got == wanted


def blob_bytes(cache: Path, repo_id: str = REPO) -> int:
    blobs = cache / f"models--{repo_id.replace('/', '--')}" / "blobs"
    return sum(p.stat().st_size for p in blobs.glob("*") if not p.name.endswith(".incomplete")) if blobs.is_dir() else 0


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_hub_model_downloads_with_byte_progress_and_makes_the_same_images(local_hub, tiny_model, engine):
    reports = []
    with pytest.raises(ModelNotDownloaded, match="is not downloaded yet"):
        Engine(choose_device("cpu")).load(REPO)  # loading never downloads
    assert not local_hub.fetched_files()
    folder = download_hub_model(REPO, lambda done, total: reports.append((done, total)))
    total = folder_bytes(tiny_model)
    assert reports[-1] == (total, total)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports) and len(reports) > 5
    assert all(t == total for _, t in reports)
    assert same_files(folder, tiny_model) and folder == cached_hub_folder(REPO)
    assert sorted(local_hub.fetched_files()) == sorted(
        str(p.relative_to(tiny_model)) for p in tiny_model.rglob("*") if p.is_file()
    )
    downloaded = Engine(choose_device("cpu"))
    downloaded.load(REPO)
    params = GenerationParams("fox logo", width=64, height=64, steps=2, seed=3)
    from_hub = next(downloaded.generate(params)).image
    from_folder = next(engine.generate(params)).image
    assert np.array_equal(np.asarray(from_hub), np.asarray(from_folder))


def test_a_cancelled_download_keeps_the_finished_files_and_fetches_only_the_rest(local_hub, tiny_model):
    from huggingface_hub import constants

    local_hub.delay = 0.005
    cancel = threading.Event()

    def cancel_halfway(done, total):
        if done > total / 2:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        download_hub_model(REPO, cancel_halfway, cancel)
    cache = Path(constants.HF_HUB_CACHE)
    assert cached_hub_folder(REPO) is None  # nothing half-done is offered as a model
    assert partial_files(REPO) == []  # huggingface_hub removed the file in flight
    kept = blob_bytes(cache)
    assert kept > 0
    first = set(local_hub.fetched_files())

    local_hub.requests.clear()
    local_hub.delay = 0
    second = []
    folder = download_hub_model(REPO, lambda done, total: second.append((done, total)))
    assert same_files(folder, tiny_model)
    missing = folder_bytes(tiny_model) - kept
    assert second[-1] == (missing, missing)  # exactly the bytes that were not kept, counted once
    again = local_hub.fetched_files()
    assert len(again) == len(set(again))
    whole_before = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - set(again)
    assert whole_before and whole_before <= first  # kept files were not fetched again


def test_a_connection_cut_mid_file_is_resumed_without_the_user(local_hub, tiny_model):
    local_hub.cut_after = 300_000  # every file bigger than this drops once, part way
    folder = download_hub_model(REPO)
    assert same_files(folder, tiny_model)
    assert any(rng.startswith("bytes=") for _, rng in local_hub.ranged_gets())


def test_a_download_killed_with_the_app_is_finished_by_the_next_run(local_hub, tiny_model, tmp_path):
    """The app is killed mid-download (no chance to clean up); the next run keeps every file that
    was already whole, fetches only the rest, removes the abandoned partial file, and the
    unfinished download was remembered meanwhile."""
    from huggingface_hub import constants

    local_hub.hold_after = CHUNK  # the weight files stop after a chunk: killed surely mid-file, the rest whole
    big = sorted(str(p.relative_to(tiny_model)) for p in tiny_model.rglob("*") if p.stat().st_size > CHUNK)
    cache = Path(constants.HF_HUB_CACHE)
    guard = tmp_path / "guard"
    env = guarded_env(
        guard,
        dict(
            os.environ, HF_ENDPOINT=local_hub.url, HF_HUB_CACHE=str(cache), LOGO_STUDIO_DATA_DIR=str(tmp_path / "data")
        ),
    )
    env["HF_HUB_OFFLINE"] = "0"  # the child may download, from the hub look-alike on 127.0.0.1 only
    command = [str(Path(sys.executable).parent / "logo-studio"), "download", REPO, "--yes"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    small = sum(1 for p in tiny_model.rglob("*") if p.is_file()) - len(big)
    deadline = time.monotonic() + 120
    while (sorted(local_hub.held) != big or len(snapshot_files(cache, REPO)) < small) and time.monotonic() < deadline:
        time.sleep(0.02)
    child.kill()  # as if the power went off
    child.wait()
    local_hub.go_on.set()
    whole = snapshot_files(cache, REPO)
    assert len(whole) == small and not whole & set(big), whole
    leftovers = partial_files(REPO)
    assert leftovers, "a killed download leaves its partial files behind"
    for path in leftovers:  # as if the app started again a few minutes later
        old = time.time() - ABANDONED_AFTER_S - 1
        os.utime(path, (old, old))

    from desktop.models.library import ModelLibrary

    library = ModelLibrary(tmp_path / "data" / "config", hub_cache=cache)
    assert library.unfinished_downloads() == [REPO]  # the window offers to resume it
    assert cached_hub_folder(REPO) is None  # and does not mistake the half-download for a model

    local_hub.hold_after = None
    local_hub.requests.clear()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert same_files(Path(again.stdout.strip()), tiny_model)
    assert sorted(local_hub.fetched_files()) == big, "files that were whole before the kill are not fetched again"
    assert partial_files(REPO) == []  # the abandoned partial files are gone
    assert library.unfinished_downloads() == []
    assert network_attempts(guard) == []


def test_only_partial_files_nobody_writes_are_removed(tmp_path):
    blobs = tmp_path / "models--someone--model" / "blobs"
    blobs.mkdir(parents=True)
    abandoned, live, whole = blobs / "aaa.1234.incomplete", blobs / "bbb.5678.incomplete", blobs / "ccc"
    for path in (abandoned, live, whole):
        path.write_bytes(b"x" * 1000)
    old = time.time() - ABANDONED_AFTER_S - 5
    os.utime(abandoned, (old, old))
    os.utime(whole, (old, old))
    assert remove_abandoned_partial_files("someone/model", tmp_path) == 1000
    assert not abandoned.exists() and live.exists() and whole.exists()


def test_the_token_goes_to_hugging_face_only_never_to_the_host_it_redirects_to(tiny_models, tmp_path, monkeypatch):
    from conftest import point_huggingface_hub_at
    from local_hub import LocalHub

    txt2img, _ = tiny_models
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    with LocalHub({REPO: txt2img}) as cdn, LocalHub({REPO: txt2img}) as hub:
        hub.redirect_to = cdn.url  # another port: another host for huggingface_hub
        point_huggingface_hub_at(hub, tmp_path / "hub-cache", monkeypatch)
        folder = download_hub_model(REPO)
        assert same_files(folder, txt2img)
        assert hub.authorized, "the hub itself is sent the token"
        assert cdn.fetched_files() and cdn.authorized == []


def test_deleting_a_model_frees_its_files_through_the_cache_api(local_hub, tiny_model):
    from huggingface_hub import constants

    download_hub_model(REPO)
    size = cached_size(REPO)
    assert size >= folder_bytes(tiny_model)
    assert delete_cached_model(REPO) >= folder_bytes(tiny_model)
    assert cached_hub_folder(REPO) is None and blob_bytes(Path(constants.HF_HUB_CACHE)) == 0


def test_a_download_stopped_between_storing_a_file_and_linking_it_completes(local_hub, tiny_model):
    """Killed after a whole file reached the cache but before it was linked into the snapshot: the
    next download links it without fetching it again (this once returned a model without it)."""
    folder = download_hub_model(REPO)
    (folder / "unet" / "config.json").unlink()  # the blob stays, as after such a kill
    local_hub.requests.clear()
    assert cached_hub_folder(REPO) is None

    again = download_hub_model(REPO)
    assert same_files(again, tiny_model)
    assert not [path for method, path, _ in local_hub.requests if method == "GET" and "/resolve/" in path]


def test_a_hub_repo_that_is_not_a_usable_pipeline_is_named_with_what_it_lacks(tiny_model, tmp_path, monkeypatch):
    import shutil

    from conftest import point_huggingface_hub_at
    from local_hub import LocalHub

    partial_repo = tmp_path / "repo"
    shutil.copytree(tiny_model, partial_repo)
    for weights in (partial_repo / "unet").glob("*.safetensors"):
        weights.unlink()
    readme_only = tmp_path / "readme-only"
    readme_only.mkdir()
    (readme_only / "README.md").write_text("A checkpoint in another format.")
    with LocalHub({"someone/no-unet-weights": partial_repo, "someone/readme-only": readme_only}) as hub:
        point_huggingface_hub_at(hub, tmp_path / "hub-cache", monkeypatch)
        with pytest.raises(ModelNotAvailable) as raised:
            download_hub_model("someone/no-unet-weights")
        with pytest.raises(ModelNotAvailable) as nothing_usable:
            download_hub_model("someone/readme-only")
    assert "someone/no-unet-weights on Hugging Face is not a Stable Diffusion model" in raised.value.message
    assert "unet/*.safetensors" in raised.value.message
    assert "someone/readme-only on Hugging Face is not a Stable Diffusion model" in nothing_usable.value.message
    assert "model_index.json" in nothing_usable.value.message


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("unknown", "There is no model called test-org/no-such-model on Hugging Face"),
        ("server error", "Hugging Face answered with an error (HTTP 500)"),
        ("no connection", "Could not reach Hugging Face to download"),
    ],
)
def test_download_failures_are_explained_in_plain_words(local_hub, monkeypatch, setup, expected):
    from huggingface_hub import constants

    repo = REPO
    if setup == "unknown":
        repo = "test-org/no-such-model"
    elif setup == "server error":
        local_hub.status = 500
    else:
        closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
        monkeypatch.setattr(constants, "ENDPOINT", closed)
        monkeypatch.setattr(
            constants, "HUGGINGFACE_CO_URL_TEMPLATE", closed + "/{repo_id}/resolve/{revision}/{filename}"
        )
    with pytest.raises(ModelNotAvailable) as raised:
        download_hub_model(repo)
    assert isinstance(raised.value, DownloadFailed) == (setup != "unknown")  # the CLI: exit 1, not 2
    assert expected in raised.value.message
    assert "Traceback" not in raised.value.message


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "The disk is full"),
        (PermissionError(errno.EACCES, "Permission denied"), "may not write into"),
        (OSError(errno.EROFS, "Read-only file system"), "may not write into"),
    ],
)
def test_disk_and_permission_problems_during_a_download_are_explained(error, expected):
    message = download_error("someone/model", error).message
    assert expected in message and "someone/model" in message


def test_offline_mode_refuses_to_download_with_a_reason(monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelNotAvailable, match="downloads are switched off"):
        download_hub_model("someone/not-here")
