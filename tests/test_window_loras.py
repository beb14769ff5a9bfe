"""LoRAs and Fast in the window: a LoRA file added or dropped shows with its family and weight and
changes the image; <lora:name:w> in the prompt comes from the LoRA folder; a LoRA of another family
is marked and refused in words; Fast without its few-step LoRA offers the download."""

from dataclasses import replace

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from test_window import wait_idle

from desktop.app import build_window
from desktop.engine import Engine, choose_device
from desktop.state import notices as n

pytest_plugins = ["family_models"]  # tiny SDXL model (for a LoRA of another family)


def open_window(qtbot, tmp_path, model):
    window = build_window(tmp_path / "gallery", model=str(model), device="cpu", config_dir=tmp_path / "config")
    qtbot.addWidget(window)
    window.show()
    for field, value in (("width", 64), ("height", 64), ("steps", 2), ("prompt", "fox logo")):
        window.request.set(field, value)
    window.request.reuse_seed(11)
    return window


def generate(qtbot, window):
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    return max(window.store.items(), key=lambda item: item.created, default=None)


def test_a_lora_file_dropped_on_the_window_is_listed_weighted_and_changes_the_image(qtbot, tmp_path, tiny_model):
    import make_tiny_assets as tiny

    lora = tiny.make_tiny_lora(tiny_model, tmp_path / "loras" / "flat-icon.safetensors", scale=0.5)
    window = open_window(qtbot, tmp_path, tiny_model)
    plain = generate(qtbot, window)
    window.actions.open_image_file(str(lora))  # what dropping the file on the canvas does
    rows = window.loras.findChildren(QWidget, "loraRow")
    assert len(rows) == 1
    assert rows[0].findChild(QLabel, "loraName").text() == "flat-icon"
    assert rows[0].findChild(QLabel, "loraFamily").text() == "· Stable Diffusion 1.5"
    rows[0].findChild(QWidget, "loraWeightSlider").setValue(80)
    assert window.request.loras[0].weight == 0.8
    styled = generate(qtbot, window)
    assert not window.notices.text(n.ERROR), window.notices.text(n.ERROR)
    assert [(ref.ref, ref.weight) for ref in styled.params.loras] == [(str(lora.resolve()), 0.8)]
    assert len(styled.params.loras[0].hash) == 12  # the hash Civitai looks up
    with Image.open(plain.path) as first, Image.open(styled.path) as second:
        assert not np.array_equal(np.asarray(first), np.asarray(second))
    remove = next(w for w in rows[0].findChildren(QWidget) if w.accessibleName() == "Remove flat-icon")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert window.request.loras == ()
    again = generate(qtbot, window)
    with Image.open(plain.path) as first, Image.open(again.path) as third:
        assert np.array_equal(np.asarray(first), np.asarray(third))  # no trace of the LoRA


def test_a_lora_named_in_the_prompt_comes_from_the_lora_folder(qtbot, tmp_path, tiny_model):
    import make_tiny_assets as tiny

    folder = tmp_path / "loras"
    tiny.make_tiny_lora(tiny_model, folder / "line-art.safetensors")
    window = open_window(qtbot, tmp_path, tiny_model)
    window.loras.set_folder(str(folder))
    window.request.set("prompt", "fox logo <lora:line-art:0.5>")
    made = generate(qtbot, window)
    assert [(lora.name, lora.weight) for lora in made.params.loras] == [("line-art", 0.5)]
    window.request.set("prompt", "fox logo <lora:not-there:1>")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    assert "not-there" in window.notices.text(n.ERROR) and not window.jobs.running


def test_a_lora_of_another_family_is_marked_and_refused_in_words(qtbot, tmp_path, tiny_model, tiny_sdxl):
    import make_tiny_assets as tiny

    sdxl_lora = tiny.make_tiny_lora(tiny_sdxl, tmp_path / "xl-style.safetensors")
    window = open_window(qtbot, tmp_path, tiny_model)
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=90_000)
    window.loras.add(str(sdxl_lora))
    label = window.loras.findChild(QLabel, "loraFamily")
    assert "SDXL" in label.text() and "⚠" in label.text()
    generate(qtbot, window)
    error = window.notices.text(n.ERROR)
    assert "SDXL" in error and "Traceback" not in error and "shape" not in error.lower()


def test_fast_without_its_few_step_lora_offers_the_download_and_fetches_nothing_unasked(
    qtbot, tmp_path, tiny_model, local_hub, monkeypatch
):
    window = open_window(qtbot, tmp_path, tiny_model)
    asked = []
    monkeypatch.setattr(window, "ask", lambda title, text: asked.append(text) or False)  # the user says no
    qtbot.waitUntil(lambda: window.models.loaded == str(tiny_model), timeout=90_000)
    qtbot.mouseClick(window.brief.fast_radio, Qt.MouseButton.LeftButton)
    assert window.request.speed == "fast"
    # Choosing Fast is enough for the window to offer what Fast needs, before any Generate.
    qtbot.waitUntil(lambda: window.notices.get(n.NEEDS) is not None, timeout=30_000)
    notice = window.notices.get(n.NEEDS)
    assert notice.links and 'href="download:latent-consistency/lcm-lora-sdv1-5"' in notice.text
    assert not asked
    before = len(window.store.items())
    generate(qtbot, window)  # Generate asks first, with the size and licence
    assert len(asked) == 1 and "LCM-LoRA" in asked[0] and "135 MB" in asked[0] and "Licence" in asked[0]
    assert len(window.store.items()) == before and not window.notices.text(n.ERROR)
    assert local_hub.requests == []  # no request at all: not a file, not the repo's size or file list


def test_choosing_fast_gets_it_ready_before_generate_with_the_same_image(qtbot, tmp_path, tiny_model, fast_cache):
    window = open_window(qtbot, tmp_path, tiny_model)
    qtbot.waitUntil(lambda: window.models.loaded == str(tiny_model), timeout=90_000)
    window.request.set("prompt", "")  # the brief not written yet: Fast gets ready all the same
    qtbot.mouseClick(window.brief.fast_radio, Qt.MouseButton.LeftButton)
    adapters = lambda: window.worker.engine._loras.get("base")  # noqa: E731
    qtbot.waitUntil(lambda: adapters() is not None and adapters().fused, timeout=30_000)  # before any Generate
    qtbot.waitUntil(lambda: window.run_panel.progress_bar.format() == "Fast ready", timeout=10_000)
    window.request.set("prompt", "fox logo")
    made = generate(qtbot, window)
    assert made.params.speed == "fast" and made.params.steps == 4 and not window.notices.text(n.ERROR)
    fresh = Engine(choose_device("cpu"))  # the same request in an engine that was never prepared
    fresh.load(str(tiny_model))
    params, _ = fresh.adapt(replace(made.params, loras=(), speed="fast"))
    with Image.open(made.path) as image:
        assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(next(fresh.generate(params)).image))


def test_exporting_a_fast_draft_exports_its_full_quality_version(qtbot, tmp_path, tiny_model, fast_cache, monkeypatch):
    window = open_window(qtbot, tmp_path, tiny_model)
    qtbot.mouseClick(window.brief.fast_radio, Qt.MouseButton.LeftButton)
    draft = generate(qtbot, window)
    assert draft.params.tiny_decode
    opened = []
    monkeypatch.setattr(window.actions, "_open_export", opened.append)
    window.actions.export(draft)
    assert "Fast draft" in window.notices.text(n.INFO)
    qtbot.waitUntil(lambda: bool(opened), timeout=60_000)
    final = opened[0]
    assert final.id != draft.id and final.parent_id == draft.id and not final.params.tiny_decode
    assert (final.params.seed, final.params.loras) == (draft.params.seed, draft.params.loras)
    engine = Engine(choose_device("cpu"))  # the same request decoded in full, made directly
    engine.load(str(tiny_model))
    expected = np.asarray(next(engine.generate(draft.params.final_version())).image)
    with Image.open(final.path) as image, Image.open(draft.path) as quick:
        assert np.array_equal(np.asarray(image.convert("RGB")), expected)
        assert not np.array_equal(np.asarray(quick.convert("RGB")), expected)  # the draft was decoded by TAESD
    assert not window.notices.text(n.INFO)
    window.actions.export(final)  # a full-quality image opens the export at once
    assert opened[-1] is final and len(window.store.items()) == 2


def test_an_inpainted_fast_draft_is_exported_as_it_is_with_a_warning(qtbot, tmp_path, tiny_model, monkeypatch):
    from desktop.params import GenerationParams

    window = open_window(qtbot, tmp_path, tiny_model)
    params = GenerationParams("fox", mode="inpaint", speed="fast", width=64, height=64, seed=3)
    draft = window.store.add(Image.new("RGB", (64, 64), "white"), params)
    opened = []
    monkeypatch.setattr(window.actions, "_open_export", opened.append)
    window.actions.export(draft)
    assert opened == [draft] and not window.jobs.running  # its mask is gone: nothing to remake it from
    assert "inpaint it again with Best quality" in window.notices.text(n.WARNING)
