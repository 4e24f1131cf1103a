"""Dumps a corpus's token ids and counts as raw files for the C kernel benchmark.

usage: python benchmarks/dump_ids.py CORPUS OUT_PREFIX [min_count]
writes OUT_PREFIX.i32 (int32 ids, -1 ends a sentence) and OUT_PREFIX.i64 (int64 counts)
"""

import sys

from pyw2v.corpus import as_corpus
from pyw2v.vocab import Vocab


def main() -> None:
    corpus_path, prefix = sys.argv[1], sys.argv[2]
    min_count = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    corpus = as_corpus(corpus_path)
    counted = corpus.count()
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count)
    encoded = corpus.encode(vocab)
    encoded.ids.tofile(prefix + ".i32")
    vocab.counts.tofile(prefix + ".i64")
    print(f"{len(vocab)} words, {encoded.n_words} tokens, {encoded.n_sentences} sentences")


if __name__ == "__main__":
    main()
