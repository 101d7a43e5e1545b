"""twostep: Plan → Execute AI coding as a reliable, scriptable pipeline of real CLIs."""

__version__ = "0.1.0"
