"""LoRA files: where they are, what they are, and the A1111 prompt syntax that names them.

A LoRA comes from a ``.safetensors`` file (kohya/A1111 as on Civitai, or diffusers/PEFT), a LoRA
folder the user picks (``list_loras``), or Hugging Face (see ``desktop.models.assets``). Pickle
LoRAs are refused like pickle checkpoints. Reading what a LoRA is (its model family, whether it is a
few-step LoRA, its hash) looks at the file's header only, or hashes it once per file version.
Applying LoRAs to a pipeline is ``desktop.engine.lora_adapters``. No torch import at module level.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from desktop.errors import InvalidParameters, LogoStudioError, ModelLoadError, ModelNotAvailable, UnsafeModelFormat
from desktop.models.assets import AssetNotDownloaded, cached_hub_lora, split_file_ref
from desktop.models.families import FAMILY_LABELS
from desktop.models.few_step import KNOWN_LORAS, FewStepProfile, detect_lora, own_names, profile_from_names
from desktop.params import GenerationParams, LoraRef

SUFFIX = ".safetensors"
PICKLE_SUFFIXES = {".ckpt", ".pt", ".pth", ".bin", ".pkl"}
# A1111's extra-network syntax: <lora:name>, <lora:name:weight>, <lora:name:te weight:unet weight>.
PROMPT_LORA = re.compile(r"<lora:([^:<>]+)(?::([^:<>]*))?(?::[^<>]*)?>", re.IGNORECASE)
_BLOCK_INDEX = re.compile(r"transformer_blocks[._](\d+)[._]")
_CONTEXT_DIMS = {768: "sd15", 2048: "sdxl", 1024: "sd2"}


class LoraNotDownloaded(AssetNotDownloaded):
    """A hub LoRA that is not in the Hugging Face cache yet; ``repo_id`` is what to download."""


class LoraDoesNotFit(ModelLoadError):
    """A LoRA made for another model family than the loaded model's."""


@dataclass(frozen=True)
class LoraInfo:
    """What the window lists for a LoRA: ``name`` (for ``<lora:name:w>``), ``family`` (sd15, sdxl,
    flux, '' when the file does not tell), ``few_step`` (its profile for few-step LoRAs, else None),
    ``format`` (kohya or diffusers), ``hash`` (AutoV3), ``size_bytes``, and ``problem`` (why it
    cannot be used: a pickle file, an unreadable one, another family; '' when fine)."""

    ref: str
    name: str
    family: str = ""
    few_step: FewStepProfile | None = None
    format: str = ""
    hash: str = ""
    size_bytes: int = 0
    problem: str = ""

    @property
    def family_label(self) -> str:
        """'Stable Diffusion 1.5', 'SDXL', 'FLUX.1', or 'unknown family'."""
        return FAMILY_LABELS.get(self.family, "unknown family")


def is_hub_lora(ref: str) -> bool:
    """True for a LoRA reference that names Hugging Face (owner/name or owner/name/file.safetensors)
    rather than a file here."""
    from desktop.models.references import is_hub_id

    ref = ref.strip()
    return not Path(ref).expanduser().exists() and (is_hub_id(ref) or split_file_ref(ref) is not None)


def lora_file(ref: str) -> Path:
    """The local ``.safetensors`` file of LoRA ``ref``. Never downloads.

    Raises UnsafeModelFormat for a pickle file, ModelLoadError for a file of another kind,
    LoraNotDownloaded for a hub LoRA not in the cache, ModelNotAvailable for a path that is not there."""
    ref = ref.strip()
    path = Path(ref).expanduser()
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == SUFFIX:
            return path
        if suffix in PICKLE_SUFFIXES:
            raise UnsafeModelFormat(
                f"{path.name} is a {suffix} LoRA, a pickle format that can run arbitrary code when loaded, so "
                "Logo Studio does not open it. Download the .safetensors version of this LoRA instead."
            )
        raise ModelLoadError(f"{path.name} is not a LoRA: choose a .safetensors file.")
    if is_hub_lora(ref):
        found = cached_hub_lora(ref)
        if found is None:
            raise LoraNotDownloaded(ref)
        return found
    raise ModelNotAvailable(f"No LoRA found at {ref}. Check the path, or choose a .safetensors file.")


def read_header(path: Path) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """(tensor name -> shape, metadata) of a ``.safetensors`` file, without reading the weights."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            names = list(handle.keys())  # noqa: SIM118 - a safetensors handle is not iterable
            shapes = {name: tuple(handle.get_slice(name).get_shape()) for name in names}
            return shapes, dict(handle.metadata() or {})
    except Exception as error:  # safetensors raises its own errors for damaged or foreign files
        raise ModelLoadError(f"{Path(path).name} is not readable as a .safetensors LoRA: {error}") from error


def lora_format(names) -> str:
    """'kohya' (lora_unet_/lora_te_ names, lora_down/lora_up) or 'diffusers' (PEFT lora_A/lora_B)."""
    return "kohya" if any(n.startswith(("lora_unet_", "lora_te", "lora_transformer_")) for n in names) else "diffusers"


def detect_family(shapes: dict[str, tuple[int, ...]]) -> str:
    """The model family a LoRA was made for, from its tensor names and shapes: 'flux', 'sdxl',
    'sd15', 'sd2' (not supported), or '' when the file does not tell.

    FLUX.1 LoRAs name its transformer's blocks; SDXL ones its second text encoder, or have more
    than one transformer block per attention layer (SD 1.5 has one), or read 2048-wide text
    features in cross-attention (SD 1.5: 768)."""
    names = list(shapes)
    if any(m in n for n in names for m in ("double_blocks", "single_blocks", "single_transformer_blocks")) or any(
        n.startswith(("transformer.", "lora_transformer_")) for n in names
    ):
        return "flux"
    if any(n.startswith(("text_encoder_2.", "lora_te2_", "lora_te1_", "te2.")) for n in names):
        return "sdxl"
    for name, shape in shapes.items():
        if (
            re.search(r"attn2[._]to_k", name)
            and re.search(r"(lora_down|lora_A|down)\.weight$", name)
            and len(shape) == 2
            and shape[1] in _CONTEXT_DIMS
        ):
            return _CONTEXT_DIMS[shape[1]]
    unet = [n for n in names if n.startswith(("unet.", "lora_unet_")) or "down_blocks" in n or "up_blocks" in n]
    if any(int(m.group(1)) > 0 for n in unet for m in [_BLOCK_INDEX.search(n)] if m):
        return "sdxl"
    if unet or any(n.startswith(("text_encoder.", "lora_te_")) for n in names):
        return "sd15"
    return ""


def autov3(path: Path) -> str:
    """The file's AutoV3 hash: the SHA-256 of a ``.safetensors`` file's tensor data (everything
    after the header), first 12 hex digits. It is kohya's and A1111's "addnet" hash, which A1111
    writes as ``Lora hashes`` and Civitai recognises, so renaming a file or editing its metadata
    does not change it."""
    return _sha256(Path(path), tensors_only=True)[:12]


def _sha256(path: Path, tensors_only: bool = False) -> str:
    """The SHA-256 of a file (of its tensor data alone with ``tensors_only``), once per file version."""
    stat = path.stat()
    return _sha256_of(str(path.resolve()), stat.st_size, stat.st_mtime_ns, tensors_only)


@functools.lru_cache(maxsize=256)  # size and mtime in the key: a changed file is hashed again
def _sha256_of(path: str, size: int, mtime_ns: int, tensors_only: bool) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        if tensors_only:
            header = int.from_bytes(handle.read(8), "little")
            handle.seek(8 + header)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def few_step_lora(ref: str) -> FewStepProfile | None:
    """The few-step profile of LoRA ``ref``, None for any other LoRA. On this computer, the file
    says it: a known few-step LoRA by its content (``few_step.KNOWN_LORAS``), else its own name or
    the name its trainer recorded in it (kohya's ``ss_output_name``, ``modelspec.title``), word by
    word. A LoRA that is not here is judged by its file or repo name alone."""
    try:
        path = lora_file(ref)
        metadata = read_header(path)[1]
    except (LogoStudioError, OSError):
        return detect_lora(ref)
    return _few_step(ref, path, metadata)


def _few_step(ref: str, path: Path, metadata: dict[str, str]) -> FewStepProfile | None:
    size = path.stat().st_size
    if any(known_size == size for known_size, _ in KNOWN_LORAS):  # hash only a file that may be one
        known = KNOWN_LORAS.get((size, _sha256(path)))
        if known is not None:
            return known
    recorded = [metadata.get(key, "") for key in ("ss_output_name", "modelspec.title")]
    return profile_from_names([*own_names(ref), *(name for name in recorded if name)])


def inspect_lora(ref: str, with_hash: bool = True) -> LoraInfo:
    """What LoRA ``ref`` is (family, few-step profile, format, hash, size), read from its header;
    the reasons it cannot be used are in ``problem`` rather than raised, so a list shows them all.
    A hub LoRA that is not downloaded has only its name and few-step profile, and says so. The
    hash reads the whole file (once per file version); ``with_hash=False`` leaves it ''."""
    name = LoraRef(ref).name
    few_step = detect_lora(ref)
    try:
        path = lora_file(ref)
        shapes, metadata = read_header(path)
        family = detect_family(shapes)
        if not shapes or not any("lora" in n.lower() or n.endswith(".alpha") for n in shapes):
            raise ModelLoadError(f"{path.name} holds no LoRA weights.")
        few_step = _few_step(ref, path, metadata)
        digest = autov3(path) if with_hash else ""
        info = LoraInfo(ref, name, family, few_step, lora_format(shapes), digest, path.stat().st_size)
    except (ModelLoadError, ModelNotAvailable, OSError) as error:
        message = getattr(error, "message", None) or str(error)
        return LoraInfo(ref, name, few_step=few_step, problem=message)
    if family == "sd2":
        return replace(info, problem=f"{name} is a Stable Diffusion 2 LoRA; Logo Studio runs SD 1.5, SDXL and FLUX.1.")
    return info


def check_fits(info: LoraInfo, family: str, family_label: str) -> None:
    """LoraDoesNotFit, in plain words, when LoRA ``info`` was made for another family than
    ``family`` (the loaded model's); a LoRA whose family is unknown is let through."""
    if info.problem:
        raise LoraDoesNotFit(info.problem)
    if info.family and info.family != family:
        raise LoraDoesNotFit(
            f"{info.name} is a {info.family_label} LoRA, and the model is {family_label}: a LoRA only works with "
            f"the model family it was made for. Remove it, choose a {family_label} LoRA, or load a "
            f"{info.family_label} model."
        )


def list_loras(folder: Path) -> list[LoraInfo]:
    """Every LoRA in ``folder`` and its subfolders (``.safetensors``, and pickle files with the reason
    they are refused), sorted by name: the window's LoRA list. Reads headers only (no hashes, so a
    folder of large files lists quickly); nothing here raises."""
    folder = Path(folder)
    try:
        files = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in {SUFFIX, *PICKLE_SUFFIXES}]
    except OSError:
        return []
    infos = [inspect_lora(str(path), with_hash=False) for path in files]
    return sorted(infos, key=lambda info: (info.name.lower(), info.ref))


def find_in_folder(name: str, folder: Path | None) -> Path | None:
    """The LoRA called ``name`` (its file name without .safetensors, as A1111 names them) in
    ``folder`` or its subfolders."""
    if folder is None or not Path(folder).is_dir():
        return None
    direct = Path(folder) / f"{name}{SUFFIX}"
    if direct.is_file():
        return direct
    wanted = name.lower()
    return next((p for p in sorted(Path(folder).rglob(f"*{SUFFIX}")) if p.stem.lower() == wanted), None)


def split_prompt(prompt: str) -> tuple[str, list[tuple[str, float]]]:
    """The prompt without its ``<lora:name:weight>`` tags, and the (name, weight) of each tag
    (weight 1 when left out). InvalidParameters for a weight that is not a number."""
    found = []
    for match in PROMPT_LORA.finditer(prompt):
        name, weight = match.group(1).strip(), (match.group(2) or "").strip()
        try:
            found.append((name, float(weight) if weight else 1.0))
        except ValueError:
            raise InvalidParameters("prompt", f"The weight in {match.group(0)} must be a number.") from None
    text = PROMPT_LORA.sub(" ", prompt)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s*,(\s*,)+", ",", text)
    text = re.sub(r"\s+,", ",", text)
    return text.strip().strip(",").strip(), found


def apply_prompt_loras(params: GenerationParams, folder: Path | str | None) -> GenerationParams:
    """``params`` with the ``<lora:name:weight>`` tags of its prompt taken out of the prompt (the
    text encoder never sees them) and added to its LoRAs, each name found in the LoRA ``folder``
    (or, for an owner/name id, on Hugging Face). InvalidParameters names a LoRA that is not there."""
    prompt, tags = split_prompt(params.prompt)
    if not tags:
        return params
    folder = Path(folder).expanduser() if folder else None
    loras = list(params.loras)
    for name, weight in tags:
        path = find_in_folder(name, folder)
        if path is not None:
            ref = str(path.resolve())
        elif is_hub_lora(name):
            ref = name
        else:
            where = f"in {folder}" if folder else "(no LoRA folder is chosen)"
            raise InvalidParameters(
                "prompt", f"There is no LoRA called {name} {where}; check the name in <lora:{name}>."
            )
        loras.append(LoraRef(ref, weight))
    return replace(params, prompt=prompt, loras=tuple(loras))
