import pytest
from PIL import Image

from desktop.errors import ExportConflict
from desktop.export import default_export_name, export_png
from desktop.gallery import GalleryStore
from desktop.imageops import fit_for_generation
from desktop.metadata import read_params
from desktop.params import GenerationParams


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        ("Fox logo, flat vector!", "fox-logo-flat-vector.png"),
        ("../../etc/passwd", "etc-passwd.png"),
        ("   ", "logo.png"),
        ("word " * 40, ("word-" * 12)[:-1] + ".png"),
    ],
)
def test_default_export_name_is_safe_and_readable(prompt, name):
    assert default_export_name(prompt) == name


@pytest.fixture
def item(tmp_path):
    image = Image.new("RGB", (64, 64), "white")
    image.paste((255, 0, 0), (16, 16, 48, 48))
    return GalleryStore(tmp_path / "gallery").add(image, GenerationParams("fox", seed=3, width=64, height=64))


def test_export_keeps_pixels_and_metadata(item, tmp_path):
    written = export_png(item.path, tmp_path / "out" / "fox")
    assert written.name == "fox.png"
    with Image.open(written) as image, Image.open(item.path) as original:
        assert image.tobytes() == original.tobytes()
        assert read_params(image) == item.params


def test_export_scaled_size(item, tmp_path):
    with Image.open(export_png(item.path, tmp_path / "big.png", size=256)) as image:
        assert image.size == (256, 256)
        assert image.getpixel((128, 128)) == (255, 0, 0) and image.getpixel((5, 5)) == (255, 255, 255)
        assert read_params(image).seed == 3


def test_export_never_overwrites_silently(item, tmp_path):
    target = tmp_path / "taken.png"
    target.write_bytes(b"precious")
    with pytest.raises(ExportConflict, match="taken.png already exists"):
        export_png(item.path, target)
    assert target.read_bytes() == b"precious"
    export_png(item.path, target, overwrite=True)
    with Image.open(target) as image:
        assert image.size == (64, 64)


@pytest.mark.parametrize(
    ("size", "mode", "expected", "changed"),
    [
        ((512, 512), "RGB", (512, 512), False),
        ((517, 300), "RGB", (512, 296), True),
        ((4000, 1000), "RGB", (2048, 512), True),
        ((30, 30), "RGBA", (64, 64), True),
    ],
)
def test_opened_images_are_fitted_to_what_the_model_accepts(size, mode, expected, changed):
    fitted, note = fit_for_generation(Image.new(mode, size))
    assert fitted.size == expected and fitted.mode == "RGB"
    assert bool(note) == changed


def test_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 8, 8))
    fitted, _ = fit_for_generation(image)
    assert fitted.getpixel((40, 40)) == (255, 255, 255) and fitted.getpixel((1, 1)) == (0, 0, 255)
