"""The ComfyUI engine: what ``desktop.jobs.run_job`` calls (load, with_prompt_loras, adapt,
prompt_warnings, generate, prepare, enable_memory_savers), as it calls the local engine, with the
pixels made on a ComfyUI server. Nothing is downloaded on this computer for it.

A request keeps its meaning: the family's samplers and defaults, Fast with the family's few-step
LoRA (when the server has the file), brand colours in the prompt, image *i* of a batch with seed +
*i* (one graph each, so any image can be remade alone), image-to-image strength, inpainting with
the painted mask feathered here and the original kept exactly outside it. Each image is saved with
the API graph that made it (``prompt``, as ComfyUI writes it) and the server's address, never its
sign-in.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from PIL import Image

from desktop.errors import GenerationCancelled, InvalidParameters, ModelFamilyUnknown
from desktop.guides import check_guide_family, control_image, require_guide
from desktop.inputs import check_inpaint_inputs, check_size, feather_mask, masked_region, negative_prompt_warning
from desktop.jobs import GeneratedImage
from desktop.models.assets import fast_kit
from desktop.models.families import FAMILY_LABELS, ModelFamily, family_named
from desktop.models.few_step import FewStepProfile
from desktop.models.few_step import detect as detect_few_step
from desktop.models.loras import split_prompt
from desktop.params import FAST, FULL_DECODE, IMG2IMG, INPAINT, GenerationParams, LoraRef
from desktop.remote.address import ServerConnection
from desktop.remote.catalog import CHECKPOINT, ServerCatalog, ServerModel, family_from_metadata, read_catalog
from desktop.remote.client import ComfyClient
from desktop.remote.errors import NotOnServer
from desktop.remote.events import EventStream
from desktop.remote.graph import CropBox, GraphRequest, ModelSpec, build_graph
from desktop.remote.runner import RECONNECT_S, GraphRun, Step
from desktop.speed import adapt_speed, lora_profile

ProgressCallback = Callable[["RemoteProgress"], None]


@dataclass(frozen=True)
class RemoteProgress:
    """One step of one image of a batch, as the server reported it (see the local Progress)."""

    image_index: int
    image_count: int
    step: int
    total: int
    picture: Image.Image | None = None
    status: str = ""

    def preview(self) -> Image.Image | None:
        """The server's preview of the image so far (None when it sent none)."""
        return self.picture


class RemoteEngine:
    """Generation on one ComfyUI server. ``families`` holds the user's answers for models whose
    family the server does not say (model name -> sd15 / sdxl / flux). Used from one thread at a
    time; only ``cancel`` events are touched from others."""

    def __init__(
        self, connection: ServerConnection, families: dict[str, str] | None = None, reconnect_s: float = RECONNECT_S
    ) -> None:
        self.connection = connection
        self.families = dict(families or {})
        self.reconnect_s = reconnect_s
        self.client = ComfyClient(connection.address, connection.credentials, connection.ca_file)
        self.stream = EventStream(connection.address, connection.credentials, self.client.tls, uuid.uuid4().hex)
        self._catalog: ServerCatalog | None = None
        self.model = ""
        self.inpaint_model = ""
        self._specs: dict[str, tuple[ModelSpec, ModelFamily]] = {}  # "base" and "inpaint"
        self.few_step: FewStepProfile | None = None
        self.memory_plan = None  # the server manages its own memory

    # -- the server --------------------------------------------------------------------------

    def describe(self) -> str:
        return f"ComfyUI server at {self.connection.address.text}"

    def catalog(self, refresh: bool = False) -> ServerCatalog:
        """The server's models, LoRAs and samplers (read again with ``refresh``)."""
        if self._catalog is None or refresh:
            self._catalog = read_catalog(self.client)
        return self._catalog

    def close(self) -> None:
        self.stream.close()
        self.client.close()

    # -- the model ---------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return "base" in self._specs

    @property
    def family(self) -> ModelFamily | None:
        return self._specs["base"][1] if self.loaded else None

    def family_for(self, mode: str) -> ModelFamily | None:
        return self._spec(mode)[1] if self.loaded else None

    def _spec(self, mode: str) -> tuple[ModelSpec, ModelFamily]:
        return self._specs["inpaint" if mode == INPAINT and "inpaint" in self._specs else "base"]

    def load(self, model: str, inpaint_model: str = "") -> None:
        """Choose the server's ``model`` (a checkpoint or diffusion model as the server lists it)
        and optionally a dedicated inpainting model. The server loads it with the first job; here
        its list is read again (it may have restarted with other models) and the family settled.
        Raises NotOnServer naming a model the server lacks, ModelFamilyUnknown to ask the user."""
        catalog = self.catalog(refresh=True)
        specs = {"base": self._resolve(catalog, model)}
        if inpaint_model:
            specs["inpaint"] = self._resolve(catalog, inpaint_model)
        self._specs, self.model, self.inpaint_model = specs, specs["base"][0].name, inpaint_model
        self.few_step = detect_few_step(self.model, "", specs["base"][1])

    def unload(self) -> None:
        self._specs, self.model, self.inpaint_model, self.few_step = {}, "", "", None

    def _resolve(self, catalog: ServerCatalog, name: str) -> tuple[ModelSpec, ModelFamily]:
        entry = catalog.model(name)
        if entry is None:
            listed = ", ".join(model.name for model in catalog.models[:8]) or "none"
            raise NotOnServer(
                f"{self.connection.address.host} has no model named {name}. Its models: {listed}"
                f"{' …' if len(catalog.models) > 8 else ''}."
            )
        family_name = entry.family or self.families.get(entry.name) or self._family_from_file(entry)
        if not family_name:
            raise ModelFamilyUnknown(entry.name)
        family = family_named(family_name, guidance_embeds="schnell" not in entry.name.lower())
        return self._model_spec(catalog, entry, family), family

    def _family_from_file(self, entry: ServerModel) -> str:
        folder = "checkpoints" if entry.kind == CHECKPOINT else "diffusion_models"
        return family_from_metadata(self.client.file_metadata(folder, entry.name))

    def _model_spec(self, catalog: ServerCatalog, entry: ServerModel, family: ModelFamily) -> ModelSpec:
        if entry.kind == CHECKPOINT:
            return ModelSpec(entry.name, CHECKPOINT, family.name)
        clip = next((name for name in catalog.text_encoders if "clip_l" in name.lower()), "")
        t5 = next((name for name in catalog.text_encoders if "t5" in name.lower()), "")
        vae = next((name for name in catalog.vaes if name.lower().startswith(("ae.", "flux"))), "")
        if not (clip and t5 and vae):
            raise NotOnServer(
                f"{entry.name} is a diffusion model alone; {self.connection.address.host} also needs its text encoders "
                "(clip_l and t5xxl in models/text_encoders) and its autoencoder (ae.safetensors in models/vae)."
            )
        return ModelSpec(entry.name, entry.kind, family.name, (clip, t5), vae)

    def _require_loaded(self) -> None:
        if not self.loaded:
            raise NotOnServer("No model of the server is chosen yet. Choose one of its models first.")

    # -- a request ---------------------------------------------------------------------------

    def with_prompt_loras(self, params: GenerationParams, folder: str | None = None) -> GenerationParams:
        """``params`` with the prompt's ``<lora:name:weight>`` tags as the server's LoRAs of those
        names (``folder``, the LoRA folder on this computer, plays no part)."""
        prompt, tags = split_prompt(params.prompt)
        if not tags:
            return params
        loras = list(params.loras)
        for name, weight in tags:
            found = self.catalog().lora(name)
            if found is None:
                raise InvalidParameters(
                    "prompt",
                    f"{self.connection.address.host} has no LoRA called {name}; check the name in <lora:{name}>, "
                    "or copy the file into the server's models/loras folder.",
                )
            loras.append(LoraRef(found, weight))
        return replace(params, prompt=prompt, loras=tuple(loras))

    def adapt(self, params: GenerationParams) -> tuple[GenerationParams, str]:
        """``params`` fitted to the server's model, and why ('' when nothing changed): the family's
        sampler when another was chosen, few-step settings, and for Fast the family's few-step LoRA
        from the server's loras folder (NotOnServer names the file when it is missing)."""
        if not self.loaded:
            return params, ""
        family, notes = self.family_for(params.mode), []
        if params.scheduler not in family.samplers:
            notes.append(
                f"The {params.scheduler} sampler does not apply to {family.label} models; "
                f"using {family.default_sampler}."
            )
            params = replace(params, scheduler=family.default_sampler)
        fast_lora = None
        if params.speed == FAST and self.few_step is None and lora_profile(params)[0] is None:
            fast_lora = self._fast_lora(family)
        model_profile = self.few_step if family is self.family else None
        params, note = adapt_speed(params, family, model_profile, fast_lora=fast_lora, tiny_drafts=False)
        notes.append(note)
        if params.speed == FAST:  # the server's GPU decodes in full: no draft to remake later
            params = replace(params, decode=FULL_DECODE)
        return params, " ".join(note for note in notes if note)

    def _fast_lora(self, family: ModelFamily) -> str | None:
        kit = fast_kit(family.name)[0]
        if kit is None:
            return None
        found = self.catalog().fast_lora(family.name)
        if found is None:
            names = ", ".join(f"{name}.safetensors" for name in (kit.id.split("/")[-1], *kit.server_names[1:2]))
            raise NotOnServer(
                f"Fast on {family.label} needs {kit.name.split('(')[-1].rstrip(')')} on the server: copy "
                f"{kit.file} from huggingface.co/{kit.id} into its models/loras folder as {names}, then "
                "choose Fast again. Best quality works without it."
            )
        return found

    def prompt_warnings(self, params: GenerationParams) -> list[str]:
        """A negative prompt the family ignores. (ComfyUI reads long prompts in full, 77 tokens at a
        time, so no words are dropped.)"""
        self._require_loaded()
        warning = negative_prompt_warning(self.family_for(params.mode), params)
        return [warning] if warning else []

    def prepare(self, params: GenerationParams, on_work: Callable[[], None] | None = None) -> bool:
        """Nothing to get ready on this computer: the server loads what a job needs."""
        return False

    def enable_memory_savers(self) -> bool:
        """The server manages its own memory: nothing to turn on here."""
        return False

    def generate(
        self,
        params: GenerationParams,
        *,
        image: Image.Image | None = None,
        mask: Image.Image | None = None,
        guide: Image.Image | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[GeneratedImage]:
        """Yield the images of ``params``' batch one at a time, as the local engine does (inputs
        checked at the call; pixels outside the feathered mask exactly kept; the ``guide`` picture
        made into ``params.guide``'s control image here and followed by the server's ControlNet;
        ``cancel`` stops the job within one step, on the server too)."""
        self._require_loaded()
        params = params.with_resolved_seed()
        spec, family = self._spec(params.mode)
        check_size(params, family)
        if params.mode == INPAINT:
            image, mask = check_inpaint_inputs(params, image, mask)
        elif params.mode == IMG2IMG:
            if image is None:
                raise InvalidParameters("image", "A variation needs the image to start from.")
            image = image.convert("RGB").resize((params.width, params.height), Image.Resampling.LANCZOS)
        server_loras = tuple(replace(lora, ref=self._server_lora(lora), hash="") for lora in params.loras)
        control = None
        if params.guide is not None:
            check_guide_family(family)
            control = control_image(
                require_guide(guide), params.guide.kind, (params.width, params.height), params.guide.detail
            )[0]
            params = replace(params, guide=replace(params.guide, model=self._server_controlnet(params.guide.model)))
        recorded = replace(
            params, model=spec.name, family=family.name, server=self.connection.address.text, loras=server_loras
        )
        loras = tuple((lora.ref, lora.weight) for lora in server_loras)
        return self._images(recorded, spec, loras, image, mask, control, on_progress, cancel or threading.Event())

    def _server_controlnet(self, name: str) -> str:
        found = self.catalog().controlnet(name)
        if found is None:
            listed = ", ".join(self.catalog().controlnets[:6]) or "none"
            raise NotOnServer(
                f"{self.connection.address.host} has no ControlNet named {name}. Its ControlNets: {listed}; copy the "
                "model into its models/controlnet folder, or choose one it has."
            )
        return found

    def _server_lora(self, lora: LoraRef) -> str:
        found = self.catalog().lora(lora.ref)
        if found is None:
            label = FAMILY_LABELS.get(self.family.name, "") if self.family else ""
            raise NotOnServer(
                f"{self.connection.address.host} has no LoRA named {lora.name}; copy the file into its models/loras "
                f"folder{f' (a {label} LoRA)' if label else ''}, or remove it from the request."
            )
        return found

    def _images(self, params, spec, loras, image, mask, control, on_progress, cancel) -> Iterator[GeneratedImage]:
        image_name = mask_name = guide_name = ""
        crop = feathered = None
        if params.mode == INPAINT:
            feathered = feather_mask(mask, params.mask_blur)
            if params.inpaint_only_masked:
                crop = CropBox(*masked_region(feathered, params.width, params.height, params.inpaint_padding))
            mask_name = self.client.upload_image(feathered)
        if image is not None:
            image_name = self.client.upload_image(image)
        if control is not None:
            guide_name = self.client.upload_image(control)
        self.stream.ready()
        for index in range(params.batch_count):
            if cancel.is_set():
                raise GenerationCancelled("Generation was cancelled.")
            one = params.for_image(index)
            job = uuid.uuid4().hex
            graph = build_graph(GraphRequest(one, spec, loras, image_name, mask_name, crop, job, guide_name))

            def report(step: Step, index=index) -> None:
                if on_progress is not None:
                    on_progress(
                        RemoteProgress(index, params.batch_count, step.step, step.total, step.preview, step.status)
                    )

            result = GraphRun(self.client, self.stream, cancel, report, self.reconnect_s)(graph)
            if feathered is not None:
                result = _keep_outside(result, image, feathered)
            yield GeneratedImage(result, one, index, {"prompt": json.dumps(graph)})


def _keep_outside(result: Image.Image, original: Image.Image, feathered: Image.Image) -> Image.Image:
    """``result`` with ``original``'s pixels put back exactly wherever the feathered mask is 0 (the
    server composites already; this holds the promise whatever its arithmetic)."""
    if result.size != original.size:
        result = result.resize(original.size, Image.Resampling.LANCZOS)
    untouched = feathered.point(lambda value: 255 if value == 0 else 0)
    return Image.composite(original, result, untouched)
