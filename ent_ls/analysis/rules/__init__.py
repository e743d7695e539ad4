"""Importing this package registers every rule, in report order."""
# isort: skip_file

from ent_ls.analysis.rules import kind, structure, runtime, keys, distribution  # noqa: F401
