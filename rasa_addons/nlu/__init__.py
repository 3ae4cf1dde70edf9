"""Custom NLU components used in config.yml (referenced by module path)."""
