"""The model list: what is on it, adding and removing, defaults and unfinished downloads, all
stored in the settings folder and never touching the model files themselves."""

import json

import pytest
from test_catalog import add_to_hub_cache

from desktop.errors import ModelLoadError, ModelNotAvailable, UnsafeModelFormat
from desktop.models.catalog import INPAINT, TXT2IMG, default_model
from desktop.models.library import DOWNLOAD_PAUSED, MISSING, NOT_DOWNLOADED, READY, ModelLibrary

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models


@pytest.fixture
def library(tmp_path):
    return ModelLibrary(tmp_path / "config", hub_cache=tmp_path / "hub")


def by_ref(library):
    return {entry.ref: entry for entry in library.entries()}


def test_cached_added_and_recommended_models_are_listed_with_kind_size_and_state(library, tmp_path, tiny_models):
    txt2img, inpaint = tiny_models
    add_to_hub_cache(tmp_path / "hub", "someone/cached-model", txt2img)
    folder = library.add(str(inpaint))
    entries = library.entries()
    listed = {entry.ref: entry for entry in entries}
    assert listed["someone/cached-model"].state == READY and listed["someone/cached-model"].kind == TXT2IMG
    assert listed["someone/cached-model"].size_bytes > 1_000_000
    assert listed[folder].state == READY and listed[folder].kind == INPAINT and listed[folder].user_added
    recommended = listed[default_model()]
    assert recommended.state == NOT_DOWNLOADED and recommended.size_bytes > 1e9 and recommended.recommended
    assert [e.state for e in entries] == sorted((e.state for e in entries), key=[READY, NOT_DOWNLOADED].index)


def test_a_safetensors_checkpoint_is_added_with_its_kind(library, tmp_path):
    import torch
    from safetensors.torch import save_file

    checkpoint = tmp_path / "my-inpainting.safetensors"
    save_file({"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(4, 9, 3, 3)}, str(checkpoint))
    ref = library.add(str(checkpoint))
    entry = by_ref(library)[ref]
    assert (entry.kind, entry.source, entry.size_bytes) == (INPAINT, "file", checkpoint.stat().st_size)


@pytest.mark.parametrize(
    ("make", "error", "text"),
    [
        (lambda p: p / "missing-folder", ModelNotAvailable, "No model found at"),
        (lambda p: (p / "empty").mkdir() or p / "empty", ModelLoadError, "not a diffusers model folder"),
        (lambda p: (p / "x.ckpt").write_bytes(b"pickle") and p / "x.ckpt", UnsafeModelFormat, "pickle format"),
        (
            lambda p: (p / "x.safetensors").write_bytes(b"junk") and p / "x.safetensors",
            ModelLoadError,
            "not readable as a .safetensors",
        ),
    ],
)
def test_what_cannot_be_loaded_is_refused_with_the_reason(library, tmp_path, make, error, text):
    with pytest.raises(error, match=text):
        library.add(str(make(tmp_path)))
    assert not any(entry.user_added for entry in library.entries())


def test_a_folder_of_another_kind_of_model_is_refused(library, tmp_path):
    folder = tmp_path / "sd3"
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusion3Pipeline"}))
    with pytest.raises(ModelLoadError, match="StableDiffusion3Pipeline model; Logo Studio runs Stable Diffusion 1.5"):
        library.add(str(folder))


def test_models_of_every_family_are_listed_with_their_family(library, tmp_path, tiny_sdxl, tiny_flux_fill):
    from sdxl_checkpoint import write_sdxl_checkpoint

    add_to_hub_cache(tmp_path / "hub", "someone/xl", tiny_sdxl)
    fill = library.add(str(tiny_flux_fill))
    checkpoint = library.add(str(write_sdxl_checkpoint(tiny_sdxl, tmp_path / "civitai-xl.safetensors")))
    listed = by_ref(library)
    assert (listed["someone/xl"].family, listed["someone/xl"].kind) == ("sdxl", TXT2IMG)
    assert (listed[fill].family, listed[fill].kind, listed[fill].state) == ("flux", INPAINT, READY)
    assert (listed[checkpoint].family, listed[checkpoint].kind, listed[checkpoint].source) == ("sdxl", TXT2IMG, "file")
    schnell = listed["black-forest-labs/FLUX.1-schnell"]
    assert (schnell.family, schnell.state, schnell.recommended) == ("flux", NOT_DOWNLOADED, True)


def test_removing_takes_a_model_off_the_list_but_leaves_its_files(library, tmp_path, tiny_model):
    add_to_hub_cache(tmp_path / "hub", "someone/cached-model", tiny_model)
    folder = library.add(str(tiny_model))
    library.set_default(TXT2IMG, folder)
    library.remove(folder)
    library.remove("someone/cached-model")
    listed = by_ref(library)
    assert folder not in listed and "someone/cached-model" not in listed
    assert (tiny_model / "model_index.json").is_file() and (tmp_path / "hub" / "models--someone--cached-model").is_dir()
    assert library.default(TXT2IMG) == default_model()  # it is no longer the default either
    library.add("someone/cached-model")  # adding it again brings it back
    assert by_ref(library)["someone/cached-model"].state == READY


def test_defaults_and_the_list_survive_a_restart(tmp_path, tiny_models):
    txt2img, inpaint = tiny_models
    first = ModelLibrary(tmp_path / "config", hub_cache=tmp_path / "hub")
    assert first.default(TXT2IMG) == default_model() and first.default(INPAINT) == ""
    first.set_default(TXT2IMG, first.add(str(txt2img)))
    first.set_default(INPAINT, first.add(str(inpaint)))
    second = ModelLibrary(tmp_path / "config", hub_cache=tmp_path / "hub")
    assert second.default(TXT2IMG) == str(txt2img.resolve()) and second.default(INPAINT) == str(inpaint.resolve())


def test_a_model_that_was_moved_away_is_shown_as_missing(library, tmp_path, tiny_model):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    ref = library.add(str(copy))
    shutil.rmtree(copy)
    assert by_ref(library)[ref].state == MISSING


def test_an_unfinished_download_is_remembered_with_its_bytes(library, tmp_path):
    library.download_started("someone/big-model")
    blobs = tmp_path / "hub" / "models--someone--big-model" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / "abc.partial").write_bytes(b"x" * 1234)
    entry = by_ref(library)["someone/big-model"]
    assert entry.state == DOWNLOAD_PAUSED and entry.downloaded_bytes == 1234
    library.download_finished("someone/big-model")
    assert library.unfinished_downloads() == []


def test_an_unreadable_list_file_starts_an_empty_list(library):
    library.path.parent.mkdir(parents=True)
    library.path.write_text("{not json")
    assert library.default(TXT2IMG) == default_model()
    library.download_started("someone/model")  # and the next change writes a good file
    assert json.loads(library.path.read_text())["downloads"] == ["someone/model"]
