"""Model discovery from a real Hugging Face cache layout, the recommended list, and --check."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from desktop.engine.catalog import INPAINT, TXT2IMG, cached_models, default_model, recommended_models


def add_to_hub_cache(cache: Path, repo_id: str, folder: Path, commit: str = "a" * 40) -> None:
    """Store ``folder`` as huggingface_hub does: content-addressed blobs, snapshot symlinks, refs."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(data)
            link = repo / "snapshots" / commit / path.relative_to(folder)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)


def test_models_already_in_the_cache_are_found_with_kind_and_size(tmp_path, tiny_models):
    txt2img, inpaint = tiny_models
    cache = tmp_path / "hub"
    add_to_hub_cache(cache, "someone/logo-model", txt2img)
    add_to_hub_cache(cache, "someone/logo-inpainting", inpaint)
    add_to_hub_cache(cache, "someone/text-encoder-only", txt2img / "text_encoder")  # not a pipeline
    found = cached_models(cache)
    assert [(m.id, m.kind) for m in found] == [("someone/logo-inpainting", INPAINT), ("someone/logo-model", TXT2IMG)]
    assert all(m.size_bytes > 1_000_000 and (m.folder / "model_index.json").is_file() for m in found)


def test_no_cache_means_no_models(tmp_path):
    assert cached_models(tmp_path / "nothing-here") == []


def test_recommended_models_come_from_one_data_file():
    models = recommended_models()
    assert default_model() == models[0].id and models[0].kind == TXT2IMG
    assert default_model(INPAINT).endswith("inpainting")
    assert all(m.licence and m.download_bytes > 1e9 for m in models)


def test_check_prints_a_diagnosis_for_bug_reports(tmp_path, tiny_model):
    from huggingface_hub import constants

    add_to_hub_cache(Path(constants.HF_HUB_CACHE), "someone/checked-model", tiny_model)
    env = dict(os.environ, LOGO_STUDIO_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [Path(sys.executable).parent / "logo-studio", "--check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = result.stdout
    for expected in (
        "Logo Studio 0.1.0",
        "torch 2.",
        "diffusers 0.",
        "Device: CPU",
        f"Data folder: {tmp_path / 'data'}",
        "downloads off: offline mode",
        "someone/checked-model (txt2img,",
        "not downloaded",
    ):
        assert expected in report, expected
    assert "Traceback" not in result.stderr


def test_download_question_says_what_how_big_which_licence_and_where():
    from desktop.engine.catalog import download_plan

    plan = download_plan(default_model())
    question = plan.question()
    assert "Stable Diffusion 1.5" in question and "about 4.3 GB" in question
    assert "CreativeML OpenRAIL-M" in question and str(plan.folder) in question
    unknown = download_plan("someone/unknown-model").question()
    assert "several GB" in unknown and "Check its licence" in unknown


def test_a_full_disk_refuses_the_download_before_it_starts(qtbot, tmp_path, monkeypatch):
    import shutil

    from PySide6.QtCore import Qt

    from desktop.app import build_window

    window = build_window(tmp_path / "g", model=default_model(), device="cpu", config_dir=tmp_path / "c")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.notices.text()), timeout=30_000)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**11, 10**11 - 10**9, 10**9))
    asked = []
    monkeypatch.setattr(window, "ask", lambda title, text: asked.append(text) or True)
    window.brief.prompt_edit.setPlainText("fox")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    assert "Not enough disk space" in window.notices.text("error") and "1.0 GB is free" in window.notices.text("error")
    assert asked == [] and not window.host.pending


def test_the_window_offers_models_already_in_the_cache(qtbot, tmp_path, tiny_model):
    from huggingface_hub import constants

    from desktop.app import build_window

    add_to_hub_cache(Path(constants.HF_HUB_CACHE), "someone/offered-model", tiny_model)
    window = build_window(tmp_path / "g", model="someone/not-downloaded", device="cpu", config_dir=tmp_path / "c")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "someone/offered-model" in window.notices.text(), timeout=30_000)
    assert "Already on this computer" in window.notices.text()
    assert window.model_combo.findText("someone/offered-model") >= 0
