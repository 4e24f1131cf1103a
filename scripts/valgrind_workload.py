"""A short workload for scripts/valgrind_check.sh: train (2 threads), save, load, a word2vec
binary round trip, and training from a text file."""

import os
import tempfile

import numpy as np

from pyw2v import KeyedVectors, Word2Vec

rng = np.random.default_rng(0)
corpus = [[f"w{i}" for i in row] for row in rng.integers(0, 300, size=(300, 12))]
model = Word2Vec(corpus, vector_size=24, min_count=1, epochs=2, workers=2, progress=False)
tmp = tempfile.mkdtemp()
model.save(os.path.join(tmp, "m.pyw2v"))
loaded = Word2Vec.load(os.path.join(tmp, "m.pyw2v"))
loaded.wv.save_word2vec_format(os.path.join(tmp, "v.bin"), binary=True)
kv = KeyedVectors.load_word2vec_format(os.path.join(tmp, "v.bin"), binary=True)
text = os.path.join(tmp, "c.txt")
with open(text, "w") as f:
    f.write("\n".join(" ".join(s) for s in corpus) + "\n")
from_file = Word2Vec(text, vector_size=24, min_count=1, epochs=1, workers=1, progress=False)
print("ok", kv.most_similar("w1", topn=3)[0][0], from_file.wv.vectors.shape)
