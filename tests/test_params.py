import dataclasses

import pytest

from desktop.errors import InvalidParameters
from desktop.params import SEED_MAX, GenerationParams


def rejection(**changes) -> InvalidParameters:
    fields = {"prompt": "a fox logo", **changes}
    with pytest.raises(InvalidParameters) as caught:
        GenerationParams(**fields)
    return caught.value


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"prompt": "   "}, "prompt", "prompt is empty"),
        ({"width": 500}, "width", "Width must be a multiple of 8, not 500"),
        ({"height": 4096}, "height", "Height must be between 64 and 2048, not 4096"),
        ({"width": 32}, "width", "between 64 and 2048"),
        ({"steps": 0}, "steps", "Steps must be between 1 and 150, not 0"),
        ({"steps": 2.5}, "steps", "Steps must be a whole number"),
        ({"guidance": 31.0}, "guidance", "Guidance must be between 0 and 30, not 31"),
        ({"guidance": float("nan")}, "guidance", "Guidance must be a number"),
        ({"batch_count": 17}, "batch_count", "Batch count must be between 1 and 16, not 17"),
        ({"seed": -1}, "seed", "Seed must be between 0 and 4294967295, not -1"),
        ({"seed": SEED_MAX + 1}, "seed", "Seed must be between"),
        ({"scheduler": "K_LMS"}, "scheduler", "Unknown sampler 'K_LMS'"),
        ({"mode": "outpaint"}, "mode", "Mode must be one of"),
        ({"strength": 0.0}, "strength", "Strength must be above 0"),
        (
            {"mode": "img2img", "steps": 3, "strength": 0.3},
            "strength",
            "With 3 steps at strength 0.3 no step would run",
        ),
        ({"mask_blur": 65}, "mask_blur", "Mask feather must be between 0 and 64"),
        ({"inpaint_padding": -1}, "inpaint_padding", "Masked area padding must be between 0 and 256"),
        ({"colors": ("#FF0000",)}, "colors", "#rrggbb in lower case"),
        ({"colors": ("#112233",) * 5}, "colors", "at most 4 brand colours"),
        ({"background": "white"}, "background", "Background colour must be written #rrggbb"),
        ({"family": "sd3"}, "family", "Model family must be one of sd15, sdxl, flux, not 'sd3'"),
        ({"family": 3}, "family", "Model family must be text"),
    ],
)
def test_each_invalid_field_is_named_with_a_specific_message(changes, field, text):
    error = rejection(**changes)
    assert error.field == field
    assert text in error.message


def test_random_seed_is_chosen_once_and_recorded():
    params = GenerationParams("a fox logo")
    assert params.seed is None
    resolved = params.with_resolved_seed()
    assert 0 <= resolved.seed <= SEED_MAX
    assert resolved.with_resolved_seed() is resolved


def test_image_i_of_a_batch_is_reproducible_alone_with_seed_plus_i():
    batch = GenerationParams("a fox logo", seed=41, batch_count=3)
    assert [batch.for_image(i).seed for i in range(3)] == [41, 42, 43]
    assert batch.for_image(2).batch_count == 1


def test_params_are_frozen():
    params = GenerationParams("a fox logo")
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.steps = 3


def test_dict_round_trip_is_exact():
    params = GenerationParams(
        "a fox logo",
        mode="inpaint",
        colors=("#112233", "#abcdef"),
        background="#ffffff",
        seed=7,
        guidance=6.5,
        strength=0.6,
        inpaint_only_masked=True,
        scheduler="Euler a",
    )
    assert GenerationParams.from_dict(params.to_dict()) == params


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"prompt": "x", "steps": "20"}, "steps"),
        ({"prompt": "x", "steps": True}, "steps"),
        ({"prompt": "x", "guidance": "7"}, "guidance"),
        ({"prompt": "x", "colors": "#112233"}, "colors"),
        ({"prompt": 5}, "prompt"),
        ({"steps": 20}, "prompt"),
        (["not", "a", "dict"], "params"),
    ],
)
def test_from_dict_rejects_wrong_types_naming_the_field(data, field):
    with pytest.raises(InvalidParameters) as caught:
        GenerationParams.from_dict(data)
    assert caught.value.field == field


def test_family_defaults_are_applied_only_to_the_fields_asked_for():
    from desktop.models.families import FLUX_DEV, FLUX_SCHNELL, SD15, SDXL

    params = GenerationParams("fox", steps=12, guidance=2.0, width=640, height=512)
    assert FLUX_DEV.apply_defaults(params) == dataclasses.replace(
        params, width=1024, height=1024, steps=28, guidance=3.5, scheduler="Flow Euler"
    )
    assert SDXL.apply_defaults(params, ["width"]) == dataclasses.replace(params, width=1024)
    assert SD15.apply_defaults(GenerationParams("fox")) == GenerationParams("fox")  # today's defaults are SD 1.5's
    assert FLUX_SCHNELL.describe() == "FLUX.1 schnell: 1024×1024, 4 steps, no guidance, Flow Euler, no negative prompt"
    for family in (SD15, SDXL, FLUX_DEV):
        assert all(
            p.width % family.size_multiple == 0 == p.height % family.size_multiple for p in family.aspect_presets
        )
        assert family.default_sampler in family.samplers
