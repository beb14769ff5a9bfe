"""Model discovery from a real Hugging Face cache layout, the recommended list, and --check."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from no_network_child import guarded_env

from desktop.models.catalog import INPAINT, TXT2IMG, cached_models, default_model, recommended_models

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models


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
    env = guarded_env(tmp_path / "guard", dict(os.environ, LOGO_STUDIO_DATA_DIR=str(tmp_path / "data")))
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
    from desktop.models.catalog import download_plan

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


def test_models_of_every_family_in_the_cache_are_found_with_their_family(tmp_path, tiny_model, tiny_sdxl, tiny_flux):
    sdxl, flux = tiny_sdxl, tiny_flux
    cache = tmp_path / "hub"
    for repo, folder in (("a/sd", tiny_model), ("b/xl", sdxl), ("c/flux", flux)):
        add_to_hub_cache(cache, repo, folder)
    assert [(m.id, m.kind, m.family) for m in cached_models(cache)] == [
        ("a/sd", TXT2IMG, "sd15"),
        ("b/xl", TXT2IMG, "sdxl"),
        ("c/flux", TXT2IMG, "flux"),
    ]


def test_a_pipeline_is_complete_only_with_every_part_of_its_family(tmp_path, tiny_flux):
    import json
    import shutil

    from desktop.models.catalog import missing_pipeline_files

    flux = tmp_path / "flux"
    shutil.copytree(tiny_flux, flux)
    assert missing_pipeline_files(flux) == []
    for weights in (flux / "text_encoder_2").glob("*.safetensors"):
        weights.rename(flux / "text_encoder_2" / "model-00001-of-00002.safetensors")
    (flux / "text_encoder_2" / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})
    )
    shutil.rmtree(flux / "tokenizer_2")
    assert missing_pipeline_files(flux) == ["tokenizer_2/", "text_encoder_2/model-00002-of-00002.safetensors"]


@pytest.mark.parametrize(
    ("device", "gpu_gb", "expected"),
    [
        ("cpu", None, "stable-diffusion-v1-5/stable-diffusion-v1-5"),
        ("mps", None, "stable-diffusion-v1-5/stable-diffusion-v1-5"),
        ("cuda", 6, "stable-diffusion-v1-5/stable-diffusion-v1-5"),
        ("cuda", 8, "stabilityai/stable-diffusion-xl-base-1.0"),
        ("cuda", 12, "stabilityai/stable-diffusion-xl-base-1.0"),
        ("cuda", 16, "black-forest-labs/FLUX.1-schnell"),
        ("cuda", 80, "black-forest-labs/FLUX.1-schnell"),
    ],
)
def test_the_recommendation_fits_the_computer(device, gpu_gb, expected):
    from desktop.models.catalog import recommended_for

    advice = recommended_for(device, gpu_gb * 0.98 * 2**30 if gpu_gb else None)  # cards report a little less
    assert advice.model.id == expected and advice.reason


def test_every_recommended_model_says_its_family_needs_and_licence_in_plain_words():
    from desktop.models.catalog import download_plan

    models = {m.id: m for m in recommended_models()}
    assert {m.family for m in models.values()} == {"sd15", "sdxl", "flux"}
    assert all(m.memory_bytes and m.licence_summary and m.licence_url.startswith("https://") for m in models.values())
    assert {family: [m.kind for m in models.values() if m.family == family] for family in ("sd15", "sdxl")} == {
        "sd15": [TXT2IMG, INPAINT],
        "sdxl": [TXT2IMG, INPAINT],
    }
    assert models["black-forest-labs/FLUX.1-schnell"].commercial_use
    assert not models["black-forest-labs/FLUX.1-dev"].commercial_use
    dev = download_plan("black-forest-labs/FLUX.1-dev").question()
    assert "FLUX.1 [dev] Non-Commercial License" in dev and "may be used commercially: no" in dev
    assert "about 34 GB of GPU memory" in dev and "about 33.7 GB" in dev
    schnell = download_plan("black-forest-labs/FLUX.1-schnell").question()
    assert "Apache-2.0" in schnell and "may be used commercially: yes" in schnell


def test_a_download_fetches_only_what_the_family_needs(tiny_flux, tmp_path, monkeypatch):
    import shutil

    from conftest import point_huggingface_hub_at
    from local_hub import LocalHub

    from desktop.models.downloads import download_hub_model

    repo = tmp_path / "repo"
    shutil.copytree(tiny_flux, repo)
    extras = ["flux1-dev.safetensors", "ae.safetensors", "transformer/diffusion_pytorch_model.fp16.safetensors"]
    for extra in [*extras, "README.md"]:
        (repo / extra).write_bytes(b"not needed")
    with LocalHub({"someone/tiny-flux": repo}) as hub:
        point_huggingface_hub_at(hub, tmp_path / "cache", monkeypatch)
        folder = download_hub_model("someone/tiny-flux")
        resolved = [path for method, path, _ in hub.requests if method == "GET" and "/resolve/" in path]
        fetched = {path.split("/resolve/")[1].split("/", 1)[1] for path in resolved}
    wanted = {str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()} - {*extras, "README.md"}
    assert fetched == wanted and {"transformer/config.json", "text_encoder_2/config.json"} <= fetched
    assert "tokenizer_2/tokenizer.json" in fetched
    assert [(m.id, m.family) for m in cached_models(tmp_path / "cache")] == [("someone/tiny-flux", "flux")]
    assert folder == cached_models(tmp_path / "cache")[0].folder
