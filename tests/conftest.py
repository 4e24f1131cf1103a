"""Lets test modules import the helpers next to them (reference.py) by plain name, and
makes every hypothesis test draw the same examples on every run (repeatable CI; the
atheris harnesses in tests/fuzz/ are the open-ended fuzzers)."""

import os
import sys

from hypothesis import settings

sys.path.insert(0, os.path.dirname(__file__))

settings.register_profile("repeatable", derandomize=True, database=None)
settings.load_profile("repeatable")
