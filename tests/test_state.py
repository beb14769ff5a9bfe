"""The window's state models, without a window: notices, the request being edited, the gallery
with its session trash, and the job queue driving a real worker thread."""

import pytest
from PIL import Image
from PySide6.QtCore import QSettings

from desktop.errors import InvalidParameters
from desktop.gallery import GalleryStore
from desktop.params import GenerationParams
from desktop.state import notices as n
from desktop.state.gallery import GENERATED, INPAINTED, UPSCALED, VARIATION, GalleryModel, kind_of
from desktop.state.notices import Notices
from desktop.state.request import FAST, QUALITY, RequestModel


def recorder(signal) -> list:
    seen = []
    signal.connect(lambda *args: seen.append(args))
    return seen


def test_notices_keep_one_per_subject_errors_first_and_clear_when_no_longer_true():
    notices = Notices()
    changes = recorder(notices.changed)
    notices.set(n.MODEL, "x is not on this computer yet.")
    notices.set(n.JOB, "Out of memory.", n.ERROR)
    notices.set(n.MODEL, "y is not on this computer yet.")  # replaces, never stacks
    assert [notice.text for notice in notices.items()] == ["Out of memory.", "y is not on this computer yet."]
    notices.set(n.MODEL, "y is not on this computer yet.")  # the same again: nothing changes
    assert len(changes) == 3
    notices.dismiss(n.JOB)
    notices.clear(n.MODEL, n.DEVICE)
    assert notices.items() == [] and len(changes) == 5
    notices.set(n.INPUT, "")  # an empty text clears
    assert notices.get(n.INPUT) is None


def test_request_makes_validated_params_and_names_the_bad_field():
    request = RequestModel()
    changes = recorder(request.changed)
    request.set("prompt", "  fox logo ")
    request.set("width", 500)
    with pytest.raises(InvalidParameters) as caught:
        request.to_params("txt2img")
    assert caught.value.field == "width"
    request.set("width", 512)
    params = request.to_params("txt2img")
    assert params.prompt == "fox logo" and params.seed is None  # unlocked: a new seed per job
    assert request.to_params("inpaint", size=(64, 128)).width == 64
    assert ("prompt",) in changes and ("width",) in changes


def test_seed_lock_takes_the_last_seed_used_and_a_failed_start_changes_nothing():
    request = RequestModel()
    request.set("prompt", "fox")
    assert request.seed is None and request.last_seed is None
    request.image_made(GenerationParams("fox", seed=4242))
    request.lock_seed(True)
    assert (request.seed, request.seed_locked) == (4242, True)
    assert request.to_params("txt2img").seed == 4242
    request.lock_seed(False)
    assert request.to_params("txt2img").seed is None


def test_fast_or_quality_and_the_loras_travel_with_the_request():
    from desktop.params import LoraRef

    request = RequestModel()
    request.set("prompt", "fox")
    assert request.to_params("txt2img").speed == QUALITY
    request.set("speed", FAST)
    request.set("loras", [LoraRef("/loras/flat-icon.safetensors", 0.7)])
    params = request.to_params("txt2img")
    assert params.speed == FAST and params.loras == (LoraRef("/loras/flat-icon.safetensors", 0.7),)


def test_style_rewrites_the_prompt_and_is_restored_with_it(tmp_path):
    request = RequestModel()
    request.set("prompt", "fox head")
    request.choose_style(request.presets[0].name)
    assert request.prompt.startswith("fox head, ") and request.style == request.presets[0].name
    request.set("brand_name", "Foxly")
    request.set_palette(["#112233"], "#ffffff")
    request.set("speed", FAST)
    request.reuse_seed(77)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    request.save(settings)
    again = RequestModel()
    again.restore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert (again.prompt, again.style, again.brand_name, again.speed) == (request.prompt, request.style, "Foxly", FAST)
    assert (again.colors, again.background, again.seed, again.seed_locked) == (("#112233",), "#ffffff", 77, True)


def test_applying_parameters_locks_their_seed_and_finds_their_style():
    request = RequestModel()
    style = request.presets[1]
    request.apply(GenerationParams(f"owl, {style.suffix}", seed=9, steps=12))
    assert (request.seed, request.seed_locked, request.steps, request.style) == (9, True, 12, style.name)


def add(store, prompt="fox", **changes):
    params = GenerationParams(prompt, seed=changes.pop("seed", 1), width=64, height=64, **changes)
    return store.add(Image.new("RGB", (params.width, params.height), "navy"), params, parent_id=changes.get("parent"))


def test_gallery_delete_goes_to_the_trash_and_comes_back_selected(tmp_path):
    store = GalleryStore(tmp_path)
    first, second = add(store, "red fox"), add(store, "blue whale")
    gallery = GalleryModel(store, Notices())
    assert [item.id for item in gallery.items] == [second.id, first.id]
    gallery.set_search("whale")
    assert [item.id for item in gallery.items] == [second.id]
    gallery.set_search("")
    assert gallery.delete(first) and gallery.delete(second)
    assert gallery.items == [] and [item.id for item in gallery.trash] == [first.id, second.id]
    assert gallery.undo_delete().id == second.id  # the last deleted comes back first
    assert gallery.selected.id == second.id
    assert gallery.restore(gallery.trash[0]).id == first.id  # any item, from the trash view
    assert gallery.trash == [] and len(gallery.items) == 2 and first.path.exists()


def test_gallery_kinds_say_what_made_each_item(tmp_path):
    store = GalleryStore(tmp_path)
    parent = add(store)
    inpainted = add(store, mode="inpaint")
    varied = store.add(Image.new("RGB", (64, 64)), parent.params.variation(0.5).with_resolved_seed(), parent.id)
    upscaled = store.add(Image.new("RGB", (128, 128)), parent.params.upscaled(), parent.id)
    assert kind_of(parent) == GENERATED and kind_of(inpainted) == INPAINTED
    assert kind_of(varied, parent) == VARIATION and kind_of(upscaled, parent) == UPSCALED


def test_the_job_queue_runs_a_job_on_the_worker_and_reports_how_it_ended(qtbot, tmp_path, tiny_model):
    from desktop.jobs import Job
    from desktop.models.library import ModelLibrary
    from desktop.state.jobs import DONE, FAILED, JobsModel
    from desktop.workers.download_gate import DownloadGate
    from desktop.workers.generation_worker import WorkerHost
    from desktop.workers.model_files_worker import ModelFilesHost

    notices = Notices()
    host = WorkerHost(GalleryStore(tmp_path / "gallery"), "cpu")
    files = ModelFilesHost(ModelLibrary(tmp_path / "config"))
    jobs = JobsModel(host, DownloadGate(files, lambda plan: False), notices)
    host.start()
    files.start()
    try:
        saved, ended, running = recorder(jobs.image_saved), recorder(jobs.job_ended), recorder(jobs.running_changed)
        params = GenerationParams("fox", model=str(tiny_model), width=64, height=64, steps=2, seed=3, batch_count=2)
        jobs.submit(Job(params))
        assert jobs.running
        qtbot.waitUntil(lambda: len(ended) == 1, timeout=60_000)
        assert ended[0][1] == DONE and [args[1].params.seed for args in saved] == [3, 4]
        assert running == [(True,), (False,)] and jobs.status == DONE

        jobs.submit(Job(GenerationParams("fox", model=str(tmp_path / "missing"), width=64, height=64)))
        qtbot.waitUntil(lambda: len(ended) == 2, timeout=60_000)
        assert ended[1][1] == FAILED and "No model found at" in notices.text(n.ERROR)
    finally:
        from desktop.workers.thread_host import shutdown_all

        shutdown_all([host, *files.hosts])


def test_the_download_gate_asks_for_a_lora_file_from_hugging_face_before_the_job(
    qtbot, tmp_path, tiny_model, monkeypatch
):
    from huggingface_hub import constants

    from desktop.jobs import Job
    from desktop.models.library import ModelLibrary
    from desktop.params import LoraRef
    from desktop.workers.download_gate import DownloadGate
    from desktop.workers.model_files_worker import ModelFilesHost
    from desktop.workers.thread_host import shutdown_all

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    files = ModelFilesHost(ModelLibrary(tmp_path / "config"))
    asked = []
    gate = DownloadGate(files, lambda plan: asked.append(plan.id) or False)
    ready, declined = recorder(gate.jobReady), recorder(gate.jobDeclined)
    files.start()
    try:
        lora = LoraRef("test-org/styles/flat-icon.safetensors", 0.8)
        gate.submit(Job(GenerationParams("fox", model=str(tiny_model), loras=(lora,))))
        qtbot.waitUntil(lambda: len(declined) == 1, timeout=30_000)
        assert asked == ["test-org/styles/flat-icon.safetensors"] and ready == []
        gate.submit(Job(GenerationParams("fox", model=str(tiny_model))))  # nothing from the hub: straight on
        qtbot.waitUntil(lambda: len(ready) == 1, timeout=30_000)
    finally:
        shutdown_all(files.hosts)


def test_only_the_newest_request_to_prepare_is_prepared(qtbot, tmp_path, tiny_model):
    import make_tiny_assets as tiny

    from desktop.jobs import Job
    from desktop.params import LoraRef
    from desktop.workers.generation_worker import WorkerHost
    from desktop.workers.thread_host import shutdown_all

    styles = [tiny.make_tiny_lora(tiny_model, tmp_path / f"style-{i}.safetensors", seed=i) for i in range(3)]
    host = WorkerHost(GalleryStore(tmp_path / "gallery"), "cpu")
    prepared = recorder(host.worker.prepared)
    finished = recorder(host.worker.jobFinished)
    host.start()
    try:
        # A job keeps the worker busy while the user changes their LoRA three times.
        host.submit(Job(GenerationParams("fox", model=str(tiny_model), width=64, height=64, steps=30)))
        for style in styles:
            host.prepare(GenerationParams("fox", model=str(tiny_model), loras=(LoraRef(str(style), 0.8),)))
        qtbot.waitUntil(lambda: bool(finished and prepared), timeout=60_000)
        qtbot.wait(300)
        adapters = host.worker.engine._loras["base"]
        assert prepared == [("LoRAs", True)] and len(adapters.loaded) == 1  # the first two never loaded
    finally:
        shutdown_all([host])
