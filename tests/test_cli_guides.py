"""`logo-studio generate --guide`: a guided gallery image made by the window's job runner is remade
pixel for pixel from the command line with its stored guide picture and settings; the settings
round-trip through the PNG's metadata; bad guide options are one line and exit 2."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from desktop.app import main
from desktop.metadata import read_params
from desktop.params import GenerationParams, Guide

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models


def sketch(size: int = 64) -> Image.Image:
    picture = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(picture).ellipse((10, 10, size - 10, size - 10), outline="black", width=3)
    return picture


@pytest.fixture(scope="module")
def controlnet(tiny_model, tmp_path_factory) -> Path:
    from make_tiny_model import make_tiny_controlnet

    return make_tiny_controlnet(tiny_model, tmp_path_factory.mktemp("guides") / "controlnet")


def generate(model, *extra) -> list[str]:
    common = ["generate", "--prompt", "fox logo", "--model", str(model), "--steps", "2", "--device", "cpu"]
    return [*common, "--width", "64", "--height", "64", *extra]


def test_a_guided_gallery_image_is_remade_from_the_command_line(engine, tiny_model, controlnet, data_dir, capsys):
    from desktop.gallery import GalleryStore
    from desktop.jobs import Job, run_job

    guide = Guide("edges", str(controlnet), strength=0.7, start=0.1, end=0.6, detail=0.3)
    params = GenerationParams(
        prompt="fox logo", model=str(tiny_model), width=64, height=64, steps=2, seed=21, guide=guide
    )
    store = GalleryStore(data_dir)
    item = run_job(engine, store, Job(params, guide=sketch()))[0]
    with Image.open(item.path) as image:
        stored = read_params(image)
        made = np.asarray(image.convert("RGB"))
        text = image.info["parameters"]
    assert stored.guide == guide  # the exact settings, from the JSON chunk
    assert 'ControlNet 0: "Module: canny, Model: controlnet, Weight: 0.7, Detail: 0.3' in text
    assert item.guide is not None and item.guide.is_file()

    options = ["--seed", str(stored.seed), "--scheduler", stored.scheduler, "--guidance", f"{stored.guidance}"]
    options += ["--guide", str(item.guide), "--guide-kind", stored.guide.kind, "--guide-model", stored.guide.model]
    options += ["--guide-strength", f"{stored.guide.strength}", "--guide-start", f"{stored.guide.start}"]
    options += ["--guide-end", f"{stored.guide.end}", "--guide-detail", f"{stored.guide.detail}"]
    capsys.readouterr()
    assert main(generate(tiny_model, *options)) == 0
    path = Path(capsys.readouterr().out.splitlines()[0])
    with Image.open(path) as image:
        assert read_params(image).guide == guide
        assert np.array_equal(np.asarray(image.convert("RGB")), made)
    assert (data_dir / "guides" / path.name).is_file()  # the CLI's image keeps its guide too


def test_the_kind_gives_the_strength_and_range_defaults(tiny_model, controlnet, tmp_path, capsys):
    sketch().save(tmp_path / "sketch.png")
    code = main(generate(tiny_model, "--guide", str(tmp_path / "sketch.png"), "--guide-model", str(controlnet)))
    assert code == 0
    with Image.open(capsys.readouterr().out.splitlines()[0]) as image:
        assert read_params(image).guide == Guide("sketch", str(controlnet), strength=0.8, start=0.0, end=0.7)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--guide-kind", "edges"], "--guide-kind goes with --guide PICTURE"),
        (["--guide", "SKETCH", "--guide-strength", "3"], "The guide's strength must be between 0 and 2"),
        (["--guide", "SKETCH", "--guide-start", "0.8", "--guide-end", "0.5"], "must start before it ends"),
        (["--guide", "SKETCH", "--guide-detail", "0.5"], "--guide-detail goes with --guide-kind edges"),
        (["--guide", "BLANK"], "The sketch is empty"),
        (["--guide", "NOWHERE"], "No such file"),
        (["--guide", "SKETCH", "--guide-model", "NOWHERE"], "No ControlNet found at"),
        (["--guide", "SKETCH"], "lllyasviel/control_v11p_sd15_scribble"),  # the recommended one, not downloaded
    ],
)
def test_bad_guide_options_are_one_line_and_exit_2(tiny_model, controlnet, tmp_path, capsys, extra, message):
    sketch().save(tmp_path / "sketch.png")
    Image.new("RGB", (64, 64), "white").save(tmp_path / "blank.png")
    paths = {"SKETCH": tmp_path / "sketch.png", "BLANK": tmp_path / "blank.png", "NOWHERE": tmp_path / "none"}
    extra = [str(paths.get(value, value)) for value in extra]
    assert main(generate(tiny_model, *extra)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and "Traceback" not in "".join(err)


def test_a_controlnet_of_another_family_is_exit_2(tiny_model, tiny_sdxl, tmp_path, capsys):
    from make_tiny_model import make_tiny_controlnet

    sdxl_controlnet = make_tiny_controlnet(tiny_sdxl, tmp_path / "controlnet-sdxl")
    sketch().save(tmp_path / "sketch.png")
    code = main(generate(tiny_model, "--guide", str(tmp_path / "sketch.png"), "--guide-model", str(sdxl_controlnet)))
    assert code == 2
    assert "made for SDXL models, not Stable Diffusion 1.5" in capsys.readouterr().err


def test_flux_refuses_a_guide_in_words(tiny_flux, controlnet, tmp_path, capsys):
    sketch().save(tmp_path / "sketch.png")
    code = main(generate(tiny_flux, "--guide", str(tmp_path / "sketch.png"), "--guide-model", str(controlnet)))
    assert code == 2
    assert "FLUX.1 has no ControlNet whose licence allows logos for commercial use" in capsys.readouterr().err
