"""``logo-studio generate --model DIR/sdxl`` and ``--model DIR/flux`` do everything ``--model
DIR/txt2img`` does (text-to-image, inpainting, variations, upscaling, metadata), with the model
family's own defaults when the command line gives none; and the model manager shows each model's
family and licence."""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from desktop.app import main
from desktop.cli.generate import _fit_to_family
from desktop.cli.parser import build_parser
from desktop.metadata import read_params
from desktop.models.families import FLUX_DEV, FLUX_SCHNELL, SDXL
from desktop.params import GenerationParams

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models
LABELS = {"sdxl": "SDXL", "flux": "FLUX.1 dev"}


def generate(model, *extra) -> list[str]:
    return ["generate", "--prompt", "fox logo", "--model", str(model), "--steps", "2", "--device", "cpu", *extra]


def saved(capsys) -> tuple[list[Path], str]:
    out, err = capsys.readouterr()
    return [Path(line) for line in out.splitlines()], err


def test_generate_inpaint_vary_and_upscale_with_each_family(family_model, capsys, tmp_path):
    name, folder = family_model
    size = ["--width", "64", "--height", "64"]
    assert main(generate(folder, *size, "--seed", "9", "--count", "2", "--negative", "text")) == 0
    paths, err = saved(capsys)
    assert f"{LABELS[name]} model · float32" in err and "Seed 9" in err
    assert ("no negative prompt, so it is left out" in err) == (name == "flux")
    with Image.open(paths[0]) as first, Image.open(paths[1]) as second:
        params = [read_params(first), read_params(second)]
        base = first.convert("RGB")
    assert [p.seed for p in params] == [9, 10] and {p.family for p in params} == {name}
    assert params[0].model == str(folder) and params[0].scheduler == (
        "Flow Euler" if name == "flux" else "DPM++ 2M Karras"
    )

    mask = Image.new("L", base.size, 0)
    mask.paste(255, (16, 16, 48, 48))
    mask_path, image_path = tmp_path / "mask.png", tmp_path / "base.png"
    mask.save(mask_path)
    base.save(image_path)
    assert main(generate(folder, "--image", str(image_path), "--mask", str(mask_path), "--mask-blur", "0")) == 0
    [inpainted], _ = saved(capsys)
    with Image.open(inpainted) as image:
        assert read_params(image).mode == "inpaint" and read_params(image).family == name
        outside = np.asarray(mask) == 0
        assert np.array_equal(np.asarray(image.convert("RGB"))[outside], np.asarray(base)[outside])

    assert main(generate(folder, "--image", str(image_path), "--steps", "4")) == 0
    [variation], _ = saved(capsys)
    with Image.open(variation) as image:
        assert image.size == (64, 64) and read_params(image).mode == "img2img"
    assert main(generate(folder, "--image", str(image_path), "--upscale", "--steps", "7")) == 0
    [upscaled], _ = saved(capsys)
    with Image.open(upscaled) as image:
        assert image.size == (128, 128) and read_params(image).strength == 0.3


def args(*extra) -> argparse.Namespace:
    return build_parser().parse_args(["generate", "--prompt", "fox", *extra])


def test_what_the_command_line_leaves_out_comes_from_the_model_family():
    placeholder = GenerationParams("fox")  # the SD 1.5 defaults that stand in until the model is loaded
    assert _fit_to_family(args(), placeholder, FLUX_DEV, None) == GenerationParams(
        "fox", width=1024, height=1024, steps=28, guidance=3.5, scheduler="Flow Euler"
    )
    schnell = _fit_to_family(args(), placeholder, FLUX_SCHNELL, None)
    assert (schnell.steps, schnell.guidance) == (4, 0.0)
    given = GenerationParams("fox", width=640, height=512, steps=12, guidance=5.0, scheduler="Euler a")
    flags = args("--width", "640", "--height", "512", "--steps", "12", "--guidance", "5", "--scheduler", "Euler a")
    assert _fit_to_family(flags, given, SDXL, None) == given


def test_a_variation_of_an_odd_sized_image_fits_the_sizes_flux_takes():
    odd = Image.new("RGB", (72, 88))
    placeholder = GenerationParams("fox", mode="img2img", width=72, height=88, strength=0.6)
    fitted = _fit_to_family(args("--image", "x.png"), placeholder, FLUX_DEV, odd)
    assert (fitted.width, fitted.height) == (64, 80)
    assert (_fit_to_family(args("--image", "x.png"), placeholder, SDXL, odd).width) == 72


def test_a_flux_sampler_asked_for_an_sdxl_model_falls_back_with_a_notice(tiny_sdxl, capsys):
    assert main(generate(tiny_sdxl, "--width", "64", "--height", "64", "--scheduler", "Flow Euler", "--seed", "1")) == 0
    [path], err = saved(capsys)
    assert "The Flow Euler sampler does not apply to SDXL models; using DPM++ 2M Karras." in err
    with Image.open(path) as image:
        assert read_params(image).scheduler == "DPM++ 2M Karras"


def test_the_model_manager_shows_each_models_family_and_licence(qtbot, tmp_path, tiny_model, tiny_sdxl, tiny_flux):
    from test_model_manager import open_manager, row_of, select

    from desktop.app import build_window
    from desktop.ui.model_descriptions import FAMILY_COLUMN

    window = build_window(tmp_path / "gallery", model=str(tiny_model), device="cpu", config_dir=tmp_path / "config")
    qtbot.addWidget(window)
    window.show()
    manager = open_manager(qtbot, window)
    assert manager.table.horizontalHeader().visualIndex(FAMILY_COLUMN) == 1  # beside the name
    for folder, label in ((tiny_sdxl, "SDXL"), (tiny_flux, "FLUX.1")):
        assert manager.add_model(str(folder))
        ref = str(folder.resolve())
        select(qtbot, manager, ref)
        qtbot.waitUntil(
            lambda ref=ref, label=label: manager.table.item(row_of(manager, ref), FAMILY_COLUMN).text() == label
        )
    select(qtbot, manager, "black-forest-labs/FLUX.1-dev")
    details = manager.details.text()
    assert "FLUX.1 model" in details and "Non-Commercial" in details and "used commercially: no" in details
    select(qtbot, manager, "black-forest-labs/FLUX.1-schnell")
    assert "Apache-2.0" in manager.details.text() and "used commercially: yes" in manager.details.text()
