"""Qt widgets. Only desktop.app imports this package."""
