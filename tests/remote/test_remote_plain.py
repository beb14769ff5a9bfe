"""The ComfyUI engine's plain-data parts, without a server: addresses and sign-ins, the API graph
of each job kind, what the server's lists say, its websocket frames and its error answers."""

from __future__ import annotations

import io
import json
import struct

import pytest
from PIL import Image

from desktop.errors import InvalidParameters
from desktop.params import IMG2IMG, INPAINT, GenerationParams
from desktop.remote.address import BASIC, BEARER, QUERY_TOKEN, Credentials, ServerAddress
from desktop.remote.catalog import DIFFUSION_MODEL, ServerCatalog, ServerModel, family_from_metadata, family_from_name
from desktop.remote.errors import NotComfyServer, NotOnServer, ServerOutOfMemory, ServerTooOld
from desktop.remote.events import PREVIEW, read_frame
from desktop.remote.graph import SAMPLERS, CropBox, GraphRequest, ModelSpec, build_graph
from desktop.remote.runner import failure, refusal
from desktop.remote.server_info import read_system_stats
from desktop.schedulers import SCHEDULERS


@pytest.mark.parametrize(
    ("typed", "text", "local"),
    [
        ("192.168.1.20:8188", "http://192.168.1.20:8188", False),
        ("gpu-pc", "http://gpu-pc:8188", False),
        ("http://localhost:8188/", "http://localhost:8188", True),
        ("https://GPU.example.com/comfy/", "https://gpu.example.com/comfy", False),
        ("https://gpu.example.com:8443", "https://gpu.example.com:8443", False),
        ("http://[::1]:9000", "http://[::1]:9000", True),
    ],
)
def test_addresses_are_read_as_users_type_them(typed, text, local):
    address = ServerAddress.parse(typed)
    assert address.text == text and address.is_this_computer == local
    assert ServerAddress.parse(address.text) == address
    assert address.websocket_url("/ws", {"clientId": "c"}) == text.replace("http", "ws", 1) + "/ws?clientId=c"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the ComfyUI server's address"),
        ("ftp://gpu-pc", "starts with http:// or https://"),
        ("http://me:secret@gpu-pc:8188", "sign-in fields, not in the address"),
        ("https://gpu.example.com/?token=abc", "must not contain"),
        ("http://gpu-pc:99999", "unusable port"),
    ],
)
def test_an_unusable_address_says_what_is_wrong(typed, message):
    with pytest.raises(InvalidParameters, match=message):
        ServerAddress.parse(typed)


def test_plain_http_to_another_computer_is_warned_about():
    assert "unencrypted" in ServerAddress.parse("http://192.168.1.20:8188").plain_http_warning()
    assert ServerAddress.parse("https://gpu.example.com").plain_http_warning() == ""
    assert ServerAddress.parse("127.0.0.1:8188").plain_http_warning() == ""


def test_each_sign_in_goes_where_servers_read_it_and_never_into_repr():
    assert Credentials(BEARER, secret="t0k").headers() == {"Authorization": "Bearer t0k"}
    assert Credentials(QUERY_TOKEN, secret="t0k").query() == {"token": "t0k"}
    assert Credentials(BASIC, "ann", "pw").headers() == {"Authorization": "Basic YW5uOnB3"}
    assert Credentials(BEARER, secret="t0k").query() == {} and Credentials(QUERY_TOKEN, secret="t0k").headers() == {}
    assert "t0k" not in repr(Credentials(BEARER, secret="t0k"))
    assert not Credentials(BASIC, "", "pw").complete and Credentials().complete


def request(**changes) -> GenerationParams:
    values = dict(prompt="a fox", width=64, height=64, steps=10, seed=5, scheduler="Euler", guidance=6.0)
    values.update(changes)
    return GenerationParams(**values)


def nodes(graph: dict, class_type: str) -> list[dict]:
    return [node["inputs"] for node in graph.values() if node["class_type"] == class_type]


def test_every_sampler_has_a_comfyui_equivalent():
    assert set(SAMPLERS) == set(SCHEDULERS)


def test_text_to_image_graph_uses_core_nodes_with_the_request_settings():
    graph = build_graph(GraphRequest(request(colors=("#ff6600",)), ModelSpec("m.safetensors"), job="j1"))
    assert list(graph) == [str(n) for n in range(1, len(graph) + 1)], "ids as ComfyUI's editor numbers them"
    sampler = nodes(graph, "KSampler")[0]
    assert (sampler["seed"], sampler["steps"], sampler["cfg"], sampler["denoise"]) == (5, 10, 6.0, 1.0)
    assert (sampler["sampler_name"], sampler["scheduler"]) == ("euler", "normal")
    assert nodes(graph, "EmptyLatentImage")[0] == {"width": 64, "height": 64, "batch_size": 1}
    assert "orange" in nodes(graph, "CLIPTextEncode")[0]["text"]
    assert nodes(graph, "PreviewImage")[0]["job"] == "j1" and not nodes(graph, "SaveImage")
    json.dumps(graph)  # plain data


def test_loras_chain_in_order_with_their_weights():
    graph = build_graph(
        GraphRequest(request(), ModelSpec("m"), loras=(("a.safetensors", 0.5), ("b.safetensors", -1.0)))
    )
    chain = nodes(graph, "LoraLoader")
    assert [(lora["lora_name"], lora["strength_model"], lora["strength_clip"]) for lora in chain] == [
        ("a.safetensors", 0.5, 0.5),
        ("b.safetensors", -1.0, -1.0),
    ]
    second_id = next(i for i, n in graph.items() if n["inputs"].get("lora_name") == "b.safetensors")
    assert nodes(graph, "KSampler")[0]["model"] == [second_id, 0]


def test_variations_run_steps_times_strength_over_the_end_of_the_schedule():
    graph = build_graph(GraphRequest(request(mode=IMG2IMG, strength=0.6), ModelSpec("m"), image="start.png [temp]"))
    sampler = nodes(graph, "KSampler")[0]
    assert (sampler["steps"], sampler["denoise"]) == (6, 0.6)
    assert nodes(graph, "LoadImage") == [{"image": "start.png [temp]"}]


def test_inpainting_pastes_the_result_over_the_original_with_the_mask():
    params = request(mode=INPAINT, strength=1.0)
    graph = build_graph(GraphRequest(params, ModelSpec("m"), image="i.png [temp]", mask="m.png [temp]"))
    composite = nodes(graph, "ImageCompositeMasked")[0]
    load_image = next(i for i, n in graph.items() if n["class_type"] == "LoadImage")
    load_mask = next(i for i, n in graph.items() if n["class_type"] == "LoadImageMask")
    assert composite["destination"] == [load_image, 0] and composite["mask"] == [load_mask, 0]
    assert nodes(graph, "InpaintModelConditioning")[0]["noise_mask"] is True


def test_only_masked_works_on_the_region_at_full_size_and_puts_it_back():
    params = request(mode=INPAINT, inpaint_only_masked=True)
    crop = CropBox(8, 16, 32, 32)
    graph = build_graph(GraphRequest(params, ModelSpec("m"), image="i", mask="m", crop=crop))
    assert nodes(graph, "ImageCrop")[0] | {"image": None} == {"image": None, "x": 8, "y": 16, "width": 32, "height": 32}
    scales = [(n["width"], n["height"]) for n in nodes(graph, "ImageScale")]
    assert scales.count((64, 64)) == 2 and (32, 32) in scales
    assert {k: nodes(graph, "ImageCompositeMasked")[0][k] for k in ("x", "y")} == {"x": 8, "y": 16}


def test_flux_takes_its_guidance_as_a_model_input_and_no_negative_pass():
    spec = ModelSpec(
        "flux1-dev.safetensors", DIFFUSION_MODEL, "flux", ("clip_l.safetensors", "t5xxl.safetensors"), "ae.sft"
    )
    graph = build_graph(GraphRequest(request(scheduler="Flow Euler", guidance=3.5), spec))
    assert nodes(graph, "FluxGuidance")[0]["guidance"] == 3.5 and nodes(graph, "KSampler")[0]["cfg"] == 1.0
    assert nodes(graph, "DualCLIPLoader")[0]["type"] == "flux" and nodes(graph, "EmptySD3LatentImage")
    assert nodes(graph, "UNETLoader")[0]["unet_name"] == "flux1-dev.safetensors"


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("sdxl/juggernaut.safetensors", "sdxl"),
        ("sd_xl_base_1.0.safetensors", "sdxl"),
        ("flux1-dev-fp8.safetensors", "flux"),
        ("v1-5-pruned-emaonly.safetensors", "sd15"),
        ("SD1.5/realistic.safetensors", "sd15"),
        ("juggernautXL_v9.safetensors", ""),  # no whole word says it: the user is asked once
        ("xlabs-logo.safetensors", ""),
    ],
)
def test_a_models_family_comes_from_whole_words_of_its_name(name, family):
    assert family_from_name(name) == family


def test_a_models_family_comes_from_its_metadata_when_the_file_says_it():
    assert family_from_metadata({"modelspec.architecture": "stable-diffusion-xl-v1-base"}) == "sdxl"
    assert family_from_metadata({"ss_base_model_version": "sd_v1"}) == "sd15"
    assert family_from_metadata({}) == ""


def test_loras_are_found_by_a_prompts_name_and_fast_finds_lcm_lora():
    catalog = ServerCatalog(
        checkpoints=(ServerModel("sd15/dreamshaper_8.safetensors", "checkpoint", "sd15"),),
        loras=("styles/Flat-Style.safetensors", "lcm/pytorch_lora_weights.safetensors", "lcm_lora_sdxl.safetensors"),
    )
    assert catalog.lora("flat-style") == "styles/Flat-Style.safetensors"
    assert catalog.lora("styles/Flat-Style.safetensors") == "styles/Flat-Style.safetensors"
    assert catalog.lora("neon") is None
    assert catalog.model("dreamshaper_8.safetensors").name == "sd15/dreamshaper_8.safetensors"
    assert catalog.fast_lora("sdxl") == "lcm_lora_sdxl.safetensors"
    assert catalog.fast_lora("sd15") is None  # a folder named "lcm" does not say which family
    assert ServerCatalog(loras=("lcm-lora-sdv1-5/pytorch_lora_weights.safetensors",)).fast_lora("sd15")
    assert ServerCatalog(loras=("LCM_LoRA_SD15.safetensors",)).fast_lora("sd15") == "LCM_LoRA_SD15.safetensors"


def preview_frame(kind: int, picture: bytes, header: dict | None = None) -> bytes:
    if kind == 4:
        data = json.dumps(header).encode()
        return struct.pack(">II", 4, len(data)) + data + picture
    return struct.pack(">II", kind, 2) + picture


def test_websocket_frames_are_read_as_events_and_previews():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    event = read_frame(json.dumps({"type": "progress", "data": {"value": 2, "max": 5, "prompt_id": "p"}}))
    assert (event.kind, event.prompt_id, event.data["value"]) == ("progress", "p", 2)
    new = read_frame(preview_frame(4, buffer.getvalue(), {"prompt_id": "p", "node_id": "5"}))
    assert new.kind == PREVIEW and new.prompt_id == "p" and new.image.getpixel((0, 0)) == (255, 0, 0)
    old = read_frame(preview_frame(1, buffer.getvalue()))
    assert old.kind == PREVIEW and old.prompt_id == "" and old.image.size == (8, 8)
    assert (
        read_frame(b"\x00\x00") is None
        and read_frame("not json") is None
        and read_frame(preview_frame(9, b"x")) is None
    )


def test_server_answers_become_messages_a_user_can_act_on():
    missing = {
        "error": {"message": "Prompt outputs failed validation"},
        "node_errors": {
            "3": {
                "errors": [
                    {
                        "type": "value_not_in_list",
                        "details": "lora_name: 'neon.safetensors' not in []",
                        "extra_info": {"input_name": "lora_name", "received_value": "neon.safetensors"},
                    }
                ]
            }
        },
    }
    assert isinstance(refusal("gpu-pc", missing), NotOnServer)
    assert "no LoRA named neon.safetensors" in str(refusal("gpu-pc", missing))
    oom = failure("gpu-pc", {"exception_type": "torch.OutOfMemoryError", "exception_message": "CUDA out of memory"})
    assert isinstance(oom, ServerOutOfMemory) and "ran out of memory" in str(oom)
    with pytest.raises(ServerTooOld, match=r"runs ComfyUI 0\.3\.40; Logo Studio needs 0\.3\.56"):
        read_system_stats("http://old:8188", {"system": {"comfyui_version": "0.3.40"}, "devices": []})
    with pytest.raises(NotComfyServer):
        read_system_stats("http://x", {"status": "ok"})
    info = read_system_stats(
        "http://gpu-pc:8188",
        {
            "system": {"comfyui_version": "0.4.2"},
            "devices": [
                {
                    "name": "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync",
                    "type": "cuda",
                    "vram_total": 24 << 30,
                    "vram_free": 20 << 30,
                }
            ],
        },
    )
    assert info.describe() == "ComfyUI 0.4.2 at http://gpu-pc:8188: NVIDIA GeForce RTX 4090, 24.0 GB (20.0 GB free)."
