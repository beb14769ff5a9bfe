"""Model files on this computer: what a model reference is, which models and LoRAs there are (the
recommended ones, the Hugging Face cache, the user's own), what each one is (family, few-step,
LoRA format) read from its files, and downloading them. huggingface_hub and safetensors headers,
no torch and no Qt."""
