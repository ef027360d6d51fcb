"""The configuration: the TOML model and its parsing, the checks across settings, its JSON schema, the
starter file."""
