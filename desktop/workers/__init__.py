"""The QThread worker that owns the pipelines and adapts the engine to Qt signals."""
