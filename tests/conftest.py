"""Lets test modules import the helpers next to them (reference.py) by plain name."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
