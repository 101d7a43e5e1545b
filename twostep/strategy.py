"""The strategy names, kept apart so the command line can list them without loading YAML."""

STRATEGIES = ("small", "medium", "large")
