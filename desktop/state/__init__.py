"""The window's state: plain QObjects with ``*_changed`` signals and no widgets.

Panels (``desktop.ui.panels``) render one of them and call its actions; the workers stay behind
them. Each is unit-tested without a window.
"""
