"""twin: a digital twin for data centers and AI factories."""

__version__ = "0.1.0"
