"""pyw2v: fast word2vec (CBOW with negative sampling) with a C core on GIL-free threads."""

from pyw2v.keyedvectors import KeyedVectors
from pyw2v.model import Word2Vec
from pyw2v.presets import PRESETS, preset

__all__ = ["PRESETS", "KeyedVectors", "Word2Vec", "__version__", "preset"]
__version__ = "0.1.0"
