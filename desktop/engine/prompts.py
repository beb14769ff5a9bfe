"""What a model will not read of a prompt: the words past its text encoder's limit, and a negative
prompt for a family that takes none. Plain Python, no Qt."""

from __future__ import annotations

from desktop.inputs import negative_prompt_warning
from desktop.models.families import ModelFamily
from desktop.palette import palette_prompt
from desktop.params import GenerationParams


def prompt_warnings(pipe, family: ModelFamily, params: GenerationParams) -> list[str]:
    """Warnings for ``params``' prompts on ``pipe`` (a pipeline of ``family``): a prompt longer than
    the text encoder reads, quoting the words it drops, and a negative prompt the family ignores."""
    tokenizer = getattr(pipe, family.prompt_tokenizer)
    limit = family.max_sequence_length or tokenizer.model_max_length
    readable = limit - tokenizer.num_special_tokens_to_add()  # start/end markers take places
    texts = [("prompt", palette_prompt(params.prompt, params.colors, params.background))]
    if family.supports_negative_prompt:
        texts.append(("negative prompt", params.negative_prompt))
    warnings = [warning for warning in [negative_prompt_warning(family, params)] if warning]
    for label, text in texts:
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        if len(encoded.input_ids) > readable:
            dropped = text[encoded.offset_mapping[readable][0] :].strip()
            warnings.append(
                f"The {label} is longer than the {readable} tokens the model reads; this end is ignored: “{dropped}”"
            )
    return warnings
