"""A request as a ComfyUI API graph, built from ComfyUI's core nodes only (no custom nodes on the
server). Plain data in (``GraphRequest``), plain data out (the graph as a dict, ready for JSON):
testable without a server.

One graph makes one image (image *i* of a batch is its own graph with seed + *i*, since ComfyUI
draws a batch's noise together). The meaning follows the local engine's:
- the brand colours are in the prompt, in words (``palette_prompt``);
- image-to-image runs ``steps × strength`` steps over the last ``strength`` of the schedule, as
  diffusers' img2img does (ComfyUI's ``denoise`` with the steps scaled);
- inpainting repaints the (already feathered) mask and pastes the result over the original with it
  on the server (``ImageCompositeMasked``), so the graph alone remakes the saved pixels; "only
  masked" crops the region, works on it at the request's size and scales it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.palette import palette_prompt
from desktop.params import IMG2IMG, INPAINT, GenerationParams
from desktop.remote.catalog import CHECKPOINT

# Our sampler names -> ComfyUI's (sampler_name, scheduler). DDIM's uniform spacing and the
# "trailing" spacing of few-step samplers are ComfyUI's ddim_uniform and sgm_uniform; ComfyUI has
# no PNDM, iPNDM (its improved pseudo-numerical method) is the closest.
SAMPLERS: dict[str, tuple[str, str]] = {
    "DPM++ 2M Karras": ("dpmpp_2m", "karras"),
    "DPM++ 2M": ("dpmpp_2m", "normal"),
    "Euler": ("euler", "normal"),
    "Euler a": ("euler_ancestral", "normal"),
    "DDIM": ("ddim", "ddim_uniform"),
    "PNDM": ("ipndm", "normal"),
    "UniPC": ("uni_pc", "normal"),
    "LCM": ("lcm", "sgm_uniform"),
    "Euler a (trailing)": ("euler_ancestral", "sgm_uniform"),
    "Euler (trailing)": ("euler", "sgm_uniform"),
    "Flow Euler": ("euler", "simple"),
    "Flow Euler Karras": ("euler", "karras"),
    "Flow Euler Exponential": ("euler", "exponential"),
}
RESIZE = "lanczos"


@dataclass(frozen=True)
class ModelSpec:
    """How the server loads the model: one checkpoint file (``kind`` CHECKPOINT), or a diffusion
    model with its ``text_encoders`` and ``vae`` (FLUX.1 as most servers hold it)."""

    name: str
    kind: str = CHECKPOINT
    family: str = "sd15"
    text_encoders: tuple[str, ...] = ()
    vae: str = ""


@dataclass(frozen=True)
class CropBox:
    """The region of the canvas that "only masked" inpainting works on, in pixels."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class GraphRequest:
    """One image's request: ``params`` (seed resolved, one image, already fitted to the model),
    the model, the server's LoRA files with their weights, and the names of the uploaded start
    picture and feathered mask (``LoadImage`` names) for image-to-image and inpainting. ``job``, a
    unique id, makes the output node new to the server: ComfyUI reports no image for a graph whose
    every node it ran before (it answers from its cache), so a repeated request needs it."""

    params: GenerationParams
    model: ModelSpec
    loras: tuple[tuple[str, float], ...] = ()
    image: str = ""
    mask: str = ""
    crop: CropBox | None = None
    job: str = ""
    guide: str = ""  # the uploaded control image (white lines on black) of params.guide


class _Graph:
    """Nodes numbered from 1 (the ids ComfyUI's own editor gives), each output as [id, index]."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict] = {}

    def add(self, class_type: str, **inputs) -> str:
        node = str(len(self.nodes) + 1)
        self.nodes[node] = {"class_type": class_type, "inputs": inputs}
        return node


def sampled_steps(params: GenerationParams) -> tuple[int, float]:
    """(KSampler steps, denoise): all steps for text-to-image; ``steps × strength`` of them over
    the last ``strength`` of the schedule for image-to-image and inpainting."""
    if params.mode == IMG2IMG or (params.mode == INPAINT and params.strength < 1):
        return max(1, int(params.steps * params.strength)), params.strength
    return params.steps, 1.0


def build_graph(request: GraphRequest) -> dict:
    """The API graph of ``request``: ``{"1": {"class_type": …, "inputs": {…}}, …}`` ending in a
    PreviewImage (the server's temp folder, not its output folder)."""
    params, model = request.params, request.model
    graph = _Graph()
    if model.kind == CHECKPOINT:
        loader = graph.add("CheckpointLoaderSimple", ckpt_name=model.name)
        unet, clip, vae = [loader, 0], [loader, 1], [loader, 2]
    else:
        unet = [graph.add("UNETLoader", unet_name=model.name, weight_dtype="default"), 0]
        first, second = (model.text_encoders + ("", ""))[:2]
        clip = [graph.add("DualCLIPLoader", clip_name1=first, clip_name2=second, type=model.family), 0]
        vae = [graph.add("VAELoader", vae_name=model.vae), 0]
    for name, weight in request.loras:
        lora = graph.add(
            "LoraLoader", model=unet, clip=clip, lora_name=name, strength_model=weight, strength_clip=weight
        )
        unet, clip = [lora, 0], [lora, 1]
    flux = model.family == "flux"
    text = palette_prompt(params.prompt, params.colors, params.background)
    positive = [graph.add("CLIPTextEncode", clip=clip, text=text), 0]
    negative = [graph.add("CLIPTextEncode", clip=clip, text="" if flux else params.negative_prompt), 0]
    if params.guide is not None and request.guide:
        guide = params.guide
        control = [graph.add("ControlNetLoader", control_net_name=guide.model), 0]
        picture = [graph.add("LoadImage", image=request.guide), 0]
        applied = graph.add(
            "ControlNetApplyAdvanced",
            positive=positive,
            negative=negative,
            control_net=control,
            image=picture,
            strength=guide.strength,
            start_percent=guide.start,
            end_percent=guide.end,
            vae=vae,
        )
        positive, negative = [applied, 0], [applied, 1]
    cfg = params.guidance
    if flux:  # FLUX.1 takes its guidance as an input of the model, and no negative pass
        positive, cfg = [graph.add("FluxGuidance", conditioning=positive, guidance=params.guidance), 0], 1.0
    steps, denoise = sampled_steps(params)
    pixels = mask = None
    if params.mode == IMG2IMG:
        pixels = [graph.add("LoadImage", image=request.image), 0]
        latent = [graph.add("VAEEncode", pixels=pixels, vae=vae), 0]
    elif params.mode == INPAINT:
        pixels = [graph.add("LoadImage", image=request.image), 0]
        mask = [graph.add("LoadImageMask", image=request.mask, channel="red"), 0]
        work_pixels, work_mask = pixels, mask
        if request.crop is not None:
            box = request.crop
            region = dict(x=box.x, y=box.y, width=box.width, height=box.height)
            mask = [graph.add("CropMask", mask=mask, **region), 0]
            cropped = [graph.add("ImageCrop", image=pixels, **region), 0]
            work_pixels = [_scale(graph, cropped, params.width, params.height), 0]
            mask_image = [graph.add("MaskToImage", mask=mask), 0]
            scaled_mask = [_scale(graph, mask_image, params.width, params.height), 0]
            work_mask = [graph.add("ImageToMask", image=scaled_mask, channel="red"), 0]
        conditioned = graph.add(
            "InpaintModelConditioning",
            positive=positive,
            negative=negative,
            vae=vae,
            pixels=work_pixels,
            mask=work_mask,
            noise_mask=True,
        )
        positive, negative, latent = [conditioned, 0], [conditioned, 1], [conditioned, 2]
    else:
        empty = "EmptySD3LatentImage" if flux else "EmptyLatentImage"
        latent = [graph.add(empty, width=params.width, height=params.height, batch_size=1), 0]
    sampler_name, scheduler = SAMPLERS[params.scheduler]
    sampled = graph.add(
        "KSampler",
        model=unet,
        positive=positive,
        negative=negative,
        latent_image=latent,
        seed=params.seed,
        steps=steps,
        cfg=cfg,
        sampler_name=sampler_name,
        scheduler=scheduler,
        denoise=denoise,
    )
    image = [graph.add("VAEDecode", samples=[sampled, 0], vae=vae), 0]
    if params.mode == INPAINT:
        x = y = 0
        if request.crop is not None:
            image = [_scale(graph, image, request.crop.width, request.crop.height), 0]
            x, y = request.crop.x, request.crop.y
        image = [
            graph.add(
                "ImageCompositeMasked", destination=pixels, source=image, x=x, y=y, resize_source=False, mask=mask
            ),
            0,
        ]
    graph.add("PreviewImage", images=image, **({"job": request.job} if request.job else {}))
    return graph.nodes


def _scale(graph: _Graph, image: list, width: int, height: int) -> str:
    return graph.add("ImageScale", image=image, upscale_method=RESIZE, width=width, height=height, crop="disabled")


def output_node(graph: dict) -> str:
    """The id of the graph's PreviewImage node, whose images are the job's result."""
    return next(node for node, spec in graph.items() if spec["class_type"] == "PreviewImage")


def sampler_node(graph: dict) -> str:
    """The id of the graph's KSampler node, whose steps are the job's progress."""
    return next(node for node, spec in graph.items() if spec["class_type"] == "KSampler")
