"""Importing this package registers every rule, in report order."""

from ent_ls.analysis.rules import structure, runtime, keys, distribution  # noqa: F401
