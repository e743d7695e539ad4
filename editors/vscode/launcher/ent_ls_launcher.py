"""Runs the ent-ls copy bundled with the VS Code extension (../bundled, filled at package time).

Started as `python -I ent_ls_launcher.py serve ...`: -I keeps PYTHONPATH, the user's
site-packages and the current folder out, so only the bundled packages are imported.
Kept to syntax that old interpreters can parse, so they print the message below.
"""

import os
import sys

if sys.version_info < (3, 9):
    sys.stderr.write("ent-ls needs Python 3.9 or newer; %s is %s\n" % (sys.executable, sys.version.split()[0]))
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bundled"))

from ent_ls.cli import main  # noqa: E402

sys.exit(main())
