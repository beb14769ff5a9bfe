"""Logo Studio: logos from a short text and a few brand colours, with Stable Diffusion."""

__version__ = "0.1.0"
