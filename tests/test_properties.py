"""Property-based tests: validation and the PNG parameter parser never fail in an unplanned way."""

import contextlib
import dataclasses
import io
import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from desktop.errors import InvalidParameters, MetadataError
from desktop.metadata import parse_a1111_text, parse_json_text, png_info, read_params, to_a1111_text
from desktop.params import GenerationParams
from desktop.schedulers import SCHEDULERS

FIELDS = {f.name for f in dataclasses.fields(GenerationParams)}
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.lists(st.text(max_size=8), max_size=6),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(FIELDS)), ANYTHING, max_size=8))
def test_any_field_values_are_accepted_or_rejected_naming_a_field(fields):
    fields.setdefault("prompt", "fox")
    try:
        params = GenerationParams(**fields)
    except InvalidParameters as error:
        assert error.field in FIELDS and error.message
    else:
        assert GenerationParams.from_dict(params.to_dict()) == params


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), ANYTHING, max_size=10))
def test_from_dict_with_untrusted_json_names_the_field(data):
    try:
        GenerationParams.from_dict(data)
    except InvalidParameters as error:
        assert error.field in FIELDS | {"params"}


valid_params = st.builds(
    GenerationParams,
    prompt=st.text(min_size=1, max_size=60).filter(str.strip),
    negative_prompt=st.text(max_size=40),
    mode=st.sampled_from(["txt2img", "inpaint", "img2img"]),
    colors=st.lists(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True), max_size=4).map(tuple),
    scheduler=st.sampled_from(sorted(SCHEDULERS)),
    steps=st.integers(10, 150),
    guidance=st.floats(0, 30).map(lambda value: round(value, 2)),
    width=st.integers(8, 256).map(lambda value: value * 8),
    height=st.integers(8, 256).map(lambda value: value * 8),
    seed=st.integers(0, 2**32 - 1),
    strength=st.floats(0.1, 1.0).map(lambda value: round(value, 2)),
    mask_blur=st.integers(0, 64),
    inpaint_only_masked=st.booleans(),
    inpaint_padding=st.integers(0, 256),
)


@settings(max_examples=300, deadline=None)
@given(valid_params)
def test_json_chunk_round_trips_every_valid_request(params):
    assert parse_json_text(json.dumps({"version": 1, "params": params.to_dict()})) == params


@settings(max_examples=300, deadline=None)
@given(valid_params)
@example(GenerationParams("Steps: 20, Sampler: Euler, CFG scale: 7", negative_prompt="Seed: 1, Size: 8x8", seed=3))
def test_a1111_text_keeps_the_prompts_and_settings_other_tools_read(params):
    parsed = parse_a1111_text(to_a1111_text(params))  # a valid request always parses back
    assert (parsed.prompt, parsed.negative_prompt) == (params.prompt.strip(), params.negative_prompt.strip())
    assert (parsed.steps, parsed.seed, parsed.scheduler, parsed.width, parsed.height) == (
        params.steps,
        params.seed,
        params.scheduler,
        params.width,
        params.height,
    )
    assert abs(parsed.guidance - params.guidance) < 1e-9


@settings(max_examples=300, deadline=None)
@given(valid_params)
def test_a_valid_request_round_trips_through_a_png_exactly(params):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG", pnginfo=png_info(params))
    buffer.seek(0)
    assert read_params(Image.open(buffer)) == params


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_a1111_text_parses_or_is_a_metadata_error(text):
    with contextlib.suppress(MetadataError):
        parse_a1111_text(text)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["parameters", "logo_studio", "other"]), st.text(max_size=200), max_size=3))
def test_any_png_text_chunks_parse_or_are_a_metadata_error(chunks):
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_itxt(key, value)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG", pnginfo=info)
    buffer.seek(0)
    with contextlib.suppress(MetadataError):
        read_params(Image.open(buffer))
