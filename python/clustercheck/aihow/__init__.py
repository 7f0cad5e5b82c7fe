"""The ai-how contract, read the way the platform writes it: the cluster YAML and the state files."""
