"""The window's panels: each renders one part of the state (``desktop.state``) and calls its actions."""
