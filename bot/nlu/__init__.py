"""Custom Rasa NLU components (loaded by config.yml through their module path)."""
