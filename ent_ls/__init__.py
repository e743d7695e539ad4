"""ent-ls: a language server and linter for Apple .entitlements files."""

__version__ = "0.1.0"
