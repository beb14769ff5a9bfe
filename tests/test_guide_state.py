"""The guide's state without a window: the request's guide settings, the guide picture and what the
ControlNet sees of it, and the ControlNets offered per family (models.json read defensively)."""

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QSettings

from desktop import guides
from desktop.errors import InvalidParameters
from desktop.models.families import FLUX_DEV, SD15
from desktop.params import GenerationParams, Guide
from desktop.state.guide import (
    GuideModel,
    controlnets_for,
    recommended_controlnet,
)
from desktop.state.request import RequestModel


def drawing() -> Image.Image:
    picture = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(picture).line((8, 32, 56, 32), fill="black", width=3)
    return picture


def test_the_request_makes_a_guide_only_when_it_is_on(qapp):
    request = RequestModel(presets=[])
    request.set("prompt", "fox")
    assert request.to_params("txt2img").guide is None
    request.set("guide_on", True)
    with pytest.raises(InvalidParameters, match="ControlNet") as raised:
        request.to_params("txt2img")
    assert raised.value.field == "guide"
    request.set("guide_model", "some/controlnet")
    guide = request.to_params("txt2img").guide
    assert (guide.kind, guide.model, guide.strength, guide.end) == ("sketch", "some/controlnet", 0.8, 0.7)
    request.choose_guide_kind("edges")
    assert (request.guide_strength, request.guide_end) == guides.DEFAULTS["edges"]


def test_reused_params_bring_the_guide_and_settings_keep_its_kind_but_start_it_off(qapp, tmp_path):
    request = RequestModel(presets=[])
    guide = Guide("lineart", "a/b", 1.2, 0.1, 0.6, 0.3)
    request.apply(GenerationParams("owl", seed=1, guide=guide))
    assert request.guide_on and request.guide() == guide
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    request.save(settings)
    again = RequestModel(presets=[])
    again.restore(settings)
    assert again.prompt == "owl" and not again.guide_on
    assert (again.guide_kind, again.guide_model, again.guide_strength, again.guide_end) == ("lineart", "a/b", 1.2, 0.6)


def test_the_guide_model_says_what_the_controlnet_sees_or_why_not(qapp):
    model = GuideModel()
    with pytest.raises(InvalidParameters, match="The sketch is empty"):
        model.control_image("sketch", (64, 64), 0.5)
    model.set_picture(drawing())
    control, note = model.control_image("sketch", (128, 64), 0.5, SD15)
    assert control.size == (128, 64) and control.getpixel((64, 32))[0] > 200 and "scaled" in note
    with pytest.raises(InvalidParameters, match="FLUX.1 has no ControlNet"):
        model.control_image("sketch", (64, 64), 0.5, FLUX_DEV)
    params = GenerationParams("fox", width=64, height=64, guide=Guide("sketch", "a/b"))
    assert model.for_job(params).tobytes() == drawing().tobytes()
    assert model.for_job(GenerationParams("fox")) is None


def test_each_family_gets_its_controlnets_and_flux_none():
    assert recommended_controlnet("sd15", "edges") == "lllyasviel/control_v11p_sd15_canny"
    assert recommended_controlnet("sdxl", "sketch").startswith("xinsir/")
    assert recommended_controlnet("flux", "sketch") == ""
    offered = [ref for ref, _words in controlnets_for("sd15", "lineart")]
    assert offered[0] == "lllyasviel/control_v11p_sd15_lineart" and all("sd15" in ref for ref in offered)
    assert controlnets_for("flux", "sketch") == []


def test_a_model_family_offers_its_controlnet_but_keeps_the_users_own(qapp):
    request = RequestModel(presets=[])
    request.fit_guide_model("sd15")
    assert request.guide_model == "lllyasviel/control_v11p_sd15_scribble"
    request.choose_guide_kind("edges")
    request.fit_guide_model("sd15")
    assert request.guide_model == "lllyasviel/control_v11p_sd15_canny"
    request.fit_guide_model("sdxl")
    assert request.guide_model == "xinsir/controlnet-canny-sdxl-1.0"
    request.set("guide_model", "/models/my-controlnet")
    request.fit_guide_model("sd15")
    assert request.guide_model == "/models/my-controlnet"
