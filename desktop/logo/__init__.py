"""Logo-ready output: palette lock, transparent background, SVG, wordmark, icon sets (no Qt)."""
