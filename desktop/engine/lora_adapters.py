"""Applying LoRAs to a loaded pipeline, job by job, without ever reloading the model.

Each LoRA file is loaded once into the pipeline's modules as a PEFT adapter (diffusers'
``load_lora_weights``, which reads kohya/A1111 and diffusers/PEFT files alike) and kept, named by
its content hash, so that switching back to it costs nothing. A job then turns on exactly its own
adapters with its own weights (``set_adapters``), or turns every adapter off (``disable_lora``):
nothing of one job's LoRAs reaches the next. A few adapters are kept loaded; older unused ones are
deleted.

Fused or not (an engine decision, measured in docs/performance.md): unfused, every step computes
each LoRA layer's low-rank product on the side (the same pixels as diffusers' ``load_lora_weights``
+ ``set_adapters``); fused, the LoRAs are added into the weights once per change of LoRAs, so a
step costs what it costs without LoRAs (the same pixels as diffusers' ``fuse_lora``). Fusing keeps
each touched weight's original tensor aside, as A1111 and ComfyUI do, and puts it back when the
LoRAs change: the weights return bit for bit, never by subtracting again. That costs the memory of
the touched weights while fused, so it is used where it pays: for few-step LoRAs (their jobs have
4-8 steps, and a rank-64 LoRA over the whole UNet costs a large share of each one) and not with the
memory savers on.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from pathlib import Path

from desktop.models.loras import LoraDoesNotFit

MAX_IDLE_ADAPTERS = 4  # LoRAs kept loaded while unused, for quick switching back


@dataclass(frozen=True)
class ResolvedLora:
    """One LoRA of a job: its local file, its AutoV3 hash (the adapter's name) and its weight."""

    path: Path
    hash: str
    weight: float
    name: str = ""

    @property
    def adapter(self) -> str:
        return f"lora_{self.hash}"


class LoraAdapters:
    """The LoRAs loaded into one pipeline's modules (pipelines made with ``from_pipe`` share them)."""

    def __init__(self, pipe) -> None:
        self.pipe = pipe
        self._loaded: list[str] = []  # adapter names, least recently used first
        self._state: tuple = ((), False)  # (adapter, weight) pairs and fused, as last applied
        self._fused: list[tuple] = []  # (LoRA layer, original weight tensor, original bias tensor)

    @property
    def loaded(self) -> list[str]:
        return list(self._loaded)

    @property
    def fused(self) -> bool:
        return bool(self._fused)

    def is_applied(self, loras: list[ResolvedLora], fuse: bool = False) -> bool:
        """True when ``apply(loras, fuse)`` would load and change nothing."""
        return all(lora.adapter in self._loaded for lora in loras) and _state(loras, fuse) == self._state

    def apply(self, loras: list[ResolvedLora], fuse: bool = False) -> None:
        """Make exactly ``loras`` active with their weights (the same file twice adds its weights),
        fused into the weights or not. Raises LoraDoesNotFit when a file cannot be applied."""
        state = _state(loras, fuse)
        if not self.is_applied(loras, fuse):
            self._state = (None, None)  # until the change is complete: one that fails part way is redone
            # Before loading: PEFT would unmerge fused layers itself (subtracting each delta again).
            self._unfuse()
        for lora in loras:
            if lora.adapter not in self._loaded:
                self._load(lora)
            self._loaded.remove(lora.adapter)
            self._loaded.append(lora.adapter)
        if state == self._state:
            return
        weights = dict(state[0])
        if not weights:
            if self._loaded:
                self.pipe.disable_lora()
        else:
            self.pipe.enable_lora()
            self.pipe.set_adapters(list(weights), list(weights.values()))
            if fuse:
                self._fuse(list(weights))
        self._state = state
        self._evict(keep=set(weights))

    def unfuse(self) -> None:
        """Put the model's own weights back where LoRAs are fused; the LoRAs stay active, unfused,
        and the next ``apply`` sets them anew (before memory savers that keep copies of the weights)."""
        if self._fused:
            self._unfuse()
            self._state = (None, None)

    def clear(self) -> None:
        """Turn every LoRA off (the model's own weights, exactly) and delete the adapters."""
        self.apply([])
        if self._loaded:
            self.pipe.delete_adapters(list(self._loaded))
        self._loaded = []

    def _load(self, lora: ResolvedLora) -> None:
        try:
            with warnings.catch_warnings():  # PEFT's note that a module gets a second adapter: intended
                warnings.filterwarnings("ignore", message="Already found a `peft_config`")
                # From the file, not a state dict: diffusers reads the LoRA's alpha (and DoRA) from the
                # file's adapter metadata; use_safetensors also keeps it from unpickling anything.
                self.pipe.load_lora_weights(str(lora.path), adapter_name=lora.adapter, use_safetensors=True)
        except (ValueError, RuntimeError, KeyError, IndexError, AttributeError) as error:
            self._forget(lora.adapter)
            raise LoraDoesNotFit(
                f"{lora.name or lora.path.name} does not fit this model ({_first_line(error)}). It was probably made "
                "for another model family or version; choose a LoRA made for this model."
            ) from error
        self._loaded.append(lora.adapter)
        self._state = (None, None)  # loading may change which adapters are active: set them again

    def _forget(self, adapter: str) -> None:
        with contextlib.suppress(Exception):  # half-loaded or never registered: nothing more to remove
            self.pipe.delete_adapters([adapter])

    def _evict(self, keep: set[str]) -> None:
        idle = [name for name in self._loaded if name not in keep]
        old = idle[: max(0, len(idle) - MAX_IDLE_ADAPTERS)]
        if old:
            self.pipe.delete_adapters(old)
            self._loaded = [name for name in self._loaded if name not in old]

    def _modules(self):
        import torch

        seen = set()
        for component in self.pipe.components.values():
            if isinstance(component, torch.nn.Module) and id(component) not in seen:
                seen.add(id(component))
                yield component

    def _fuse(self, adapters: list[str]) -> None:
        """What diffusers' ``fuse_lora(adapter_names=adapters)`` computes (PEFT's ``merge``: the weight
        plus each adapter's delta in turn), into new tensors, the original ones kept aside."""
        from peft.tuners.tuners_utils import BaseTunerLayer

        for component in self._modules():
            for module in component.modules():
                if not isinstance(module, BaseTunerLayer):
                    continue
                names = [name for name in adapters if name in getattr(module, "lora_A", {})]
                if not names:
                    continue
                base = module.get_base_layer()
                bias = getattr(base, "bias", None)
                self._fused.append((module, base.weight.data, bias.data if bias is not None else None))
                if not all(_plain_delta(module, name) for name in names):  # DoRA, LoRA biases: PEFT's own merge
                    base.weight.data = base.weight.data.clone()
                    if bias is not None:
                        base.bias.data = bias.data.clone()
                    module.merge(adapter_names=names)
                    continue
                # The first delta becomes the fused weight (x + w == w + x, bit for bit): no copy of
                # the weight is made, and nothing is allocated beyond the deltas themselves.
                fused = _delta(module, names[0]).add_(base.weight.data)
                for name in names[1:]:
                    fused.add_(_delta(module, name))
                base.weight.data = fused
                module.merged_adapters = list(names)

    def _unfuse(self) -> None:
        """Put every fused weight's original tensor back: the model's weights, bit for bit."""
        for module, weight, bias in reversed(self._fused):
            base = module.get_base_layer()
            base.weight.data = weight
            if bias is not None:
                base.bias.data = bias
            module.merged_adapters = []
        self._fused = []


def _state(loras: list[ResolvedLora], fuse: bool) -> tuple:
    """(adapter, summed weight) pairs in order, and whether they are fused: what ``apply`` sets."""
    weights: dict[str, float] = {}
    for lora in loras:
        weights[lora.adapter] = weights.get(lora.adapter, 0.0) + lora.weight
    return tuple(weights.items()), bool(fuse and weights)


def _plain_delta(module, adapter: str) -> bool:
    """True when ``adapter``'s delta on ``module`` is just scale · B·A in the weight's own dtype (no
    DoRA magnitude, no LoRA bias, no grouped convolution, a 1x1 up-projection): what ``_delta``
    computes and ``_fuse`` can add without a copy of the weight."""
    base = module.get_base_layer()
    down, up = module.lora_A[adapter].weight, module.lora_B[adapter].weight
    return (
        adapter not in getattr(module, "lora_variant", {})  # DoRA and the other variants merge their own way
        and not getattr(module, "lora_bias", {}).get(adapter, False)
        and not getattr(module, "fan_in_fan_out", False)
        and getattr(base, "groups", 1) == 1
        and tuple(up.shape[2:]) in ((), (1, 1))
        and down.dtype == up.dtype == base.weight.dtype
    )


def _delta(module, adapter: str):
    """PEFT's ``get_delta_weight`` for a plain LoRA layer, but a 3x3 convolution's delta as one
    matrix product: PEFT convolves there, which took 10 of the 12 s it spent on LCM-LoRA's 278
    layers on 2 CPU cores; the product takes 1.6 s. On this CPU the numbers are PEFT's to the bit
    (tests/test_loras.py compares each layer's delta, and the images with diffusers' ``fuse_lora``);
    another backend may sum in another order and differ in the last bit, as fused and unfused do."""
    import torch

    weight = module.get_base_layer().weight
    if weight.ndim != 4 or tuple(weight.shape[2:]) == (1, 1):
        return module.get_delta_weight(adapter)
    down, up = module.lora_A[adapter].weight, module.lora_B[adapter].weight
    dtype = down.dtype
    if down.device.type == "cpu" and dtype in (torch.float16, torch.bfloat16):  # as PEFT: slow half products on CPUs
        down, up = down.float(), up.float()
    return ((up.flatten(1) @ down.flatten(1)).reshape(weight.shape) * module.scaling[adapter]).to(dtype)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


def resolve_loras(refs, family) -> tuple[list[ResolvedLora], tuple]:
    """The local files of a request's LoRAs (``LoraRef``s) checked against the loaded model's
    ``family`` (a ModelFamily), and the refs with their hashes filled in for the result.

    Raises LoraNotDownloaded (a hub LoRA not in the cache), UnsafeModelFormat (a pickle file),
    LoraDoesNotFit (another family's LoRA) or ModelNotAvailable (a file that is not there)."""
    from dataclasses import replace

    from desktop.models.families import FAMILY_LABELS
    from desktop.models.loras import LoraNotDownloaded, check_fits, inspect_lora, lora_file

    resolved, recorded = [], []
    for ref in refs:
        try:
            path = lora_file(ref.ref)  # raises what is wrong with the reference itself
        except LoraNotDownloaded as error:
            raise (LoraNotDownloaded.for_fast(ref.ref) if ref.fast else error) from None
        info = inspect_lora(ref.ref)
        check_fits(info, family.name, FAMILY_LABELS.get(family.name, family.label))
        resolved.append(ResolvedLora(path, info.hash, ref.weight, info.name))
        recorded.append(replace(ref, hash=info.hash))
    return resolved, tuple(recorded)
