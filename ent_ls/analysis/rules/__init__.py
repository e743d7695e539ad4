"""Importing this package registers every rule, in report order."""
# isort: skip_file

from ent_ls.analysis.rules import kind, structure, runtime, keys, distribution, values  # noqa: F401
from ent_ls.analysis.rules import codesign  # noqa: F401
from ent_ls.analysis.rules import signed  # noqa: F401
from ent_ls.analysis.rules import project  # noqa: F401
