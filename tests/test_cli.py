import os
import subprocess
import sys
from pathlib import Path

import pytest
from no_network_child import guarded_env, network_attempts
from PIL import Image

from desktop import __version__
from desktop.app import main
from desktop.metadata import read_params

SCRIPT = Path(sys.executable).parent / "logo-studio"


def generate(tiny_model, *extra) -> list[str]:
    return [
        "generate",
        "--prompt",
        "fox logo",
        "--model",
        str(tiny_model),
        "--steps",
        "2",
        "--width",
        "64",
        "--height",
        "64",
        "--device",
        "cpu",
        *extra,
    ]


def test_generate_saves_into_the_gallery_and_prints_the_paths(tiny_model, data_dir, capsys):
    assert main(generate(tiny_model, "--seed", "9", "--count", "2")) == 0
    out, err = capsys.readouterr()
    paths = [Path(line) for line in out.splitlines()]
    assert len(paths) == 2 and all(path.parent == data_dir / "images" for path in paths)
    seeds = []
    for path in paths:
        with Image.open(path) as image:
            assert image.size == (64, 64)
            params = read_params(image)
        assert params.prompt == "fox logo" and params.model == str(tiny_model)
        seeds.append(params.seed)
    assert seeds == [9, 10]
    assert "Seed 9" in err


def test_out_copies_files_without_overwriting(tiny_model, tmp_path, capsys):
    out_dir = tmp_path / "exports"
    assert main(generate(tiny_model, "--seed", "1", "--out", str(out_dir))) == 0
    assert main(generate(tiny_model, "--seed", "1", "--out", str(out_dir))) == 0
    copies = sorted(out_dir.iterdir())
    assert len(copies) == 2
    with Image.open(copies[0]) as image:
        assert read_params(image).seed == 1


def test_inpaint_from_the_command_line(tiny_model, tmp_path, capsys):
    source = tmp_path / "source.png"
    Image.new("RGB", (64, 64), "navy").save(source)
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (24, 24, 40, 40))
    mask.save(tmp_path / "mask.png")
    code = main(
        [
            "generate",
            "--prompt",
            "star",
            "--model",
            str(tiny_model),
            "--steps",
            "2",
            "--device",
            "cpu",
            "--image",
            str(source),
            "--mask",
            str(tmp_path / "mask.png"),
            "--seed",
            "3",
        ]
    )
    assert code == 0
    saved = Path(capsys.readouterr().out.split()[0])
    with Image.open(saved) as image:
        assert image.getpixel((0, 0)) == (0, 0, 128)
        assert read_params(image).mode == "inpaint"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--width", "65"], "Width must be a multiple of 8, not 65"),
        (["--steps", "0"], "Steps must be between 1 and 150"),
        (["--scheduler", "Nope"], "Unknown sampler 'Nope'"),
        (["--image", "missing.png", "--mask", "missing.png"], "No such file: missing.png"),
        (["--image", "README.md"], "README.md is not a readable image"),
        (["--mask", "only.png"], "--mask needs the --image"),
        (["--upscale"], "--upscale needs the --image"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tiny_model, capsys, extra, message):
    assert main(generate(tiny_model, *extra)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().count("\n") == 0
    assert message in err


def test_missing_model_is_exit_2_with_advice(tmp_path, capsys, data_dir):
    code = main(["generate", "--prompt", "fox", "--model", str(tmp_path / "none"), "--device", "cpu"])
    assert code == 2
    assert "No model found at" in capsys.readouterr().err
    assert not list((data_dir / "images").glob("*.png"))


def test_a_folder_that_is_not_a_model_is_bad_input_found_before_loading(tmp_path, capsys, data_dir):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a model")
    assert main(["generate", "--prompt", "fox", "--model", str(folder), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "is not a diffusers model folder" in err and "Loading" not in err and err.count("\n") == 1


def test_a_folder_path_that_does_not_exist_is_not_taken_for_a_hub_id(tmp_path, monkeypatch, capsys):
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--prompt", "fox", "--model", "models/logo-sd", "--device", "cpu"]) == 2
    assert "No model found at" in capsys.readouterr().err


def test_a_relative_model_path_is_saved_as_an_absolute_path(tiny_model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tiny_model.parent)
    assert main(generate(Path(tiny_model.name), "--seed", "2")) == 0
    with Image.open(capsys.readouterr().out.split()[0]) as image:
        assert read_params(image).model == str(tiny_model.resolve())


def test_version_and_help_from_the_installed_command(tmp_path):
    env = guarded_env(tmp_path / "guard")
    version = subprocess.run([SCRIPT, "--version"], capture_output=True, text=True, timeout=60, env=env)
    assert version.returncode == 0 and version.stdout.strip() == f"Logo Studio {__version__}"
    help_text = subprocess.run([SCRIPT, "generate", "--help"], capture_output=True, text=True, timeout=60, env=env)
    assert help_text.returncode == 0 and "--prompt" in help_text.stdout and "--mask" in help_text.stdout


def test_installed_command_refuses_a_pickle_checkpoint_as_bad_input_without_a_traceback(tmp_path):
    checkpoint = tmp_path / "model.ckpt"
    checkpoint.write_bytes(b"x")
    guard = tmp_path / "guard"
    result = subprocess.run(
        [SCRIPT, "generate", "--prompt", "fox", "--model", str(checkpoint), "--device", "cpu"],
        capture_output=True,
        text=True,
        timeout=120,
        env=guarded_env(guard, dict(os.environ, LOGO_STUDIO_DATA_DIR=str(tmp_path / "data"))),
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "pickle format that can run arbitrary code" in result.stderr
    assert network_attempts(guard) == []


def test_the_unsafe_checkpoint_flag_that_never_worked_is_gone(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["generate", "--prompt", "fox", "--allow-unsafe-checkpoint"])
    assert exited.value.code == 2 and "unrecognized arguments: --allow-unsafe-checkpoint" in capsys.readouterr().err


def test_low_memory_inpainting_on_a_cpu_works_and_keeps_the_unmasked_pixels(tiny_model, tmp_path, capsys):
    source = tmp_path / "source.png"
    Image.new("RGB", (64, 64), "navy").save(source)
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (24, 24, 40, 40))
    mask.save(tmp_path / "mask.png")
    extra = ["--image", str(source), "--mask", str(tmp_path / "mask.png"), "--low-memory", "--seed", "3"]
    assert main(generate(tiny_model, *extra)) == 0
    out, err = capsys.readouterr()
    assert "CPU offload needs an NVIDIA GPU" in err and "Traceback" not in err
    with Image.open(out.split()[0]) as image:
        assert image.getpixel((0, 0)) == (0, 0, 128) and read_params(image).mode == "inpaint"


def test_low_memory_mode_generates_the_same_image_up_to_rounding(tiny_model, capsys):
    import numpy as np

    assert main(generate(tiny_model, "--seed", "4")) == 0
    plain = Path(capsys.readouterr().out.split()[0])
    assert main(generate(tiny_model, "--seed", "4", "--low-memory")) == 0
    saver = Path(capsys.readouterr().out.split()[0])
    with Image.open(plain) as first, Image.open(saver) as second:
        difference = np.abs(np.asarray(first, dtype=np.int16) - np.asarray(second, dtype=np.int16))
    # Attention slicing and VAE tiling change the order of float sums, not the picture.
    assert difference.mean() < 8


def test_export_command_writes_and_prints_the_logo_files(tmp_path, capsys):
    from test_logo import two_colour_mark

    from desktop.metadata import png_info
    from desktop.params import GenerationParams

    source = tmp_path / "mark.png"
    two_colour_mark().save(source, pnginfo=png_info(GenerationParams("Fox mark", seed=1, width=128, height=128)))
    code = main(
        [
            "export",
            str(source),
            "--out",
            str(tmp_path / "out"),
            "--palette",
            "#E02020,#1B2A4A",
            "--palette-lock",
            "--transparent",
            "--svg",
            "--icon-set",
            "--wordmark",
            "Foxly",
            "--layout",
            "stacked",
        ]
    )
    assert code == 0
    printed = [Path(line) for line in capsys.readouterr().out.splitlines()]
    # PNG, SVG, wordmark PNG + SVG, 10 icons, favicon.ico, logo.svg
    assert all(path.exists() for path in printed) and len(printed) == 16
    assert {p.name for p in printed} >= {"fox-mark.png", "fox-mark.svg", "fox-mark-wordmark-stacked.svg", "favicon.ico"}


@pytest.mark.parametrize(
    ("extra", "message", "code"),
    [
        (["--background", "#fff", "--transparent"], "'#fff' is not a colour", 2),
        (["--palette", "orange"], "'orange' in the palette is not a colour", 2),
        (["--wordmark", "Foxly", "--font", "Nonexistent Font Family"], "could not be found", 2),
    ],
)
def test_export_command_bad_input_is_one_clear_line(tmp_path, capsys, extra, message, code):
    from test_logo import red_disc

    source = tmp_path / "noise.png"
    red_disc().save(source)
    assert main(["export", str(source), "--out", str(tmp_path / "out"), *extra]) == code
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_export_command_refuses_to_overwrite(tmp_path, capsys):
    from test_logo import red_disc

    source = tmp_path / "disc.png"
    red_disc().save(source)
    out = tmp_path / "o"
    assert main(["export", str(source), "--out", str(out)]) == 0
    assert main(["export", str(source), "--out", str(out)]) == 2  # as the kit: add --overwrite
    assert "already exist" in capsys.readouterr().err


def test_variation_and_upscale_from_the_command_line(tiny_model, tmp_path, capsys):
    source = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), "navy").save(source)
    common = ["generate", "--prompt", "star", "--model", str(tiny_model), "--steps", "4", "--device", "cpu"]
    assert main([*common, "--image", str(source), "--seed", "2"]) == 0
    with Image.open(capsys.readouterr().out.split()[0]) as image:
        params = read_params(image)
        assert (image.size, params.mode, params.strength) == ((64, 64), "img2img", 0.6)
    assert main([*common, "--image", str(source), "--upscale"]) == 0
    with Image.open(capsys.readouterr().out.split()[0]) as image:
        assert image.size == (128, 128) and read_params(image).strength == 0.3


def test_out_of_memory_on_the_command_line_turns_the_savers_on_and_retries(tiny_model, monkeypatch, capsys):
    import torch
    from diffusers import UNet2DConditionModel

    original, failures = UNet2DConditionModel.forward, [1]

    def forward(self, *args, **kwargs):
        if failures[0]:
            failures[0] -= 1
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 3.00 GiB")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(UNet2DConditionModel, "forward", forward)
    assert main(generate(tiny_model, "--seed", "5", "--count", "2")) == 0
    out, err = capsys.readouterr()
    assert "memory savers are now on" in err
    seeds = []
    for line in out.split():
        with Image.open(line) as image:
            seeds.append(read_params(image).seed)
    assert seeds == [5, 6]
