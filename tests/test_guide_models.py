"""The recommended ControlNets for guides (resources/models.json "guides"): per family, with size and
licence in plain words, none for FLUX.1 with the reason; found in the cache only as whole repos."""

from desktop.models.assets import asset_available, download_patterns, is_hub_asset
from desktop.models.catalog import default_controlnet, download_plan, guide_models, no_guides_reason


def test_each_family_with_controlnets_has_a_sketch_and_an_edges_one_with_size_and_licence():
    sd15 = {model.id: model for model in guide_models("sd15")}
    sdxl = {model.id: model for model in guide_models("sdxl")}
    assert set(sd15) == {f"lllyasviel/control_v11p_sd15_{name}" for name in ("scribble", "canny", "lineart")}
    assert set(sdxl) == {"xinsir/controlnet-scribble-sdxl-1.0", "xinsir/controlnet-canny-sdxl-1.0"}
    for model in (*sd15.values(), *sdxl.values()):
        assert model.kind == "controlnet" and model.download_bytes > 10**9 and model.commercial_use
        assert "commercially" in model.licence_summary and model.licence_url.endswith(model.id)
        assert is_hub_asset(model.id) and download_patterns(model.id) == (
            model.id,
            ["config.json", "diffusion_pytorch_model.safetensors"],
        )
    assert {model.licence for model in sdxl.values()} == {"Apache-2.0"}
    assert {model.licence for model in sd15.values()} == {"CreativeML OpenRAIL-M"}


def test_the_default_controlnet_follows_the_kind_and_flux_has_none_with_a_reason():
    assert default_controlnet("sd15", "sketch") == "lllyasviel/control_v11p_sd15_scribble"
    assert default_controlnet("sd15", "edges") == "lllyasviel/control_v11p_sd15_canny"
    assert default_controlnet("sd15", "lineart") == "lllyasviel/control_v11p_sd15_lineart"
    assert default_controlnet("sdxl", "edges") == "xinsir/controlnet-canny-sdxl-1.0"
    assert default_controlnet("sdxl", "lineart") == "xinsir/controlnet-scribble-sdxl-1.0"
    assert default_controlnet("flux", "sketch") == "" and guide_models("flux") == []
    assert "non-commercial" in no_guides_reason("flux") and no_guides_reason("sd15") == ""


def test_the_download_question_names_the_controlnet_its_size_and_licence():
    question = download_plan("xinsir/controlnet-canny-sdxl-1.0").question()
    assert "Edges guide for SDXL" in question and "5.0 GB" in question
    assert "Apache-2.0: free to use for anything, also commercially" in question
    assert "GPU memory" not in question  # that sentence is about models
    assert not asset_available("xinsir/controlnet-canny-sdxl-1.0")  # the test's empty cache
