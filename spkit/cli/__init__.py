"""The command-line face: argument parsing and rendering only; the work is in ``spkit.services``."""
