"""One lock for every ``ast.parse`` of a student's code in this process.

CPython 3.11's parser is not safe to run in several threads at once (gh-106905), and the
batch grades on threads: the integrity fingerprint and a notebook's reader both parse.
"""

from __future__ import annotations

import threading

PARSE_LOCK = threading.Lock()
