"""pyw2v: fast word2vec (CBOW with negative sampling) with a C core on GIL-free threads."""

from pyw2v.keyedvectors import KeyedVectors
from pyw2v.model import Word2Vec

__all__ = ["KeyedVectors", "Word2Vec", "__version__"]
__version__ = "0.1.0"
