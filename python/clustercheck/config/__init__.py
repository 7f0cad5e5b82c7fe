"""Target configs: load, validate against the JSON schema, export as a shell-safe env file."""
