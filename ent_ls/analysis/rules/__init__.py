"""Importing this package registers every rule, in report order."""
# isort: skip_file

from ent_ls.analysis.rules import structure, runtime, keys, distribution  # noqa: F401
from ent_ls.analysis.rules import project  # noqa: F401
