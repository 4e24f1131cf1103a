"""What the atheris harnesses share: seed files made by pyw2v, a scratch file, the
known bugs they step around, and the libFuzzer start-up.

Not a test module (pytest collects test_*.py only). The harnesses import pyw2v as
installed, so run them from any directory with the venv's python (see README.md).
"""

from __future__ import annotations

import atexit
import gzip
import os
import sys
import tempfile
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path

import atheris

# Known bugs, each pinned by an xfail test (tests/test_reliability.py,
# tests/test_fuzz_loaders.py). The harnesses step around them so that a run goes on
# to find new ones; PYW2V_FUZZ_KNOWN_BUGS=1 lets them crash the run instead.
SHOW_KNOWN_BUGS = os.environ.get("PYW2V_FUZZ_KNOWN_BUGS") == "1"

# any warning is a finding, but for these (filters added later take precedence)
warnings.simplefilter("error")
# a repeated word after decoding is a documented warning, not a bug
warnings.filterwarnings("ignore", ".*rows repeat an earlier word", UserWarning)
warnings.filterwarnings("ignore", category=ResourceWarning)
if not SHOW_KNOWN_BUGS:  # test_text_value_beyond_float32_rejected_without_a_warning
    warnings.filterwarnings("ignore", "overflow encountered in cast")


def scratch_path(name: str) -> Path:
    """A file each input is written to (on a RAM disk when there is one)."""
    base = Path("/dev/shm") if os.path.isdir("/dev/shm") else Path(tempfile.gettempdir())
    path = base / f"pyw2v-fuzz-{os.getpid()}-{name}"
    atexit.register(path.unlink, missing_ok=True)
    return path


def make_seeds() -> dict[str, bytes]:
    """Small valid files of each format, written by pyw2v."""
    from pyw2v import Word2Vec
    from pyw2v import io as w2v_io

    with tempfile.TemporaryDirectory() as d:
        base = Path(d)
        corpus = [["the", "café", "日本", "x"], ["x", "the", "naïve"], ["the", "x"]] * 3
        model = Word2Vec(corpus, vector_size=4, min_count=1, epochs=1, workers=1, progress=False)
        model.save(base / "native")
        model.wv.save_word2vec_format(base / "text")
        model.wv.save_word2vec_format(base / "binary", binary=True)
        w2v_io.save_vocab(model.vocab, base / "vocab", sentences=9)
        seeds = {p.name: p.read_bytes() for p in base.iterdir()}
    rows = [f"{w} ".encode() + model.wv[w].astype("<f4").tobytes() for w in model.wv.index_to_key]
    seeds["binary-no-newlines"] = b"%d 4\n" % len(rows) + b"".join(rows)
    seeds["text.gz"] = gzip.compress(seeds["text"])
    return seeds


def header_dim(data: bytes) -> int:
    """The d of a word2vec header "V d" (of a gzip file: of its contents), or 0."""
    if data.startswith(b"\x1f\x8b"):
        try:
            data = zlib.decompressobj(31).decompress(data, 4096)
        except zlib.error:
            return 0
    parts = data.split(b"\n", 1)[0].split()
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return 0


def limit_memory() -> None:
    """Limits the address space to what the harness uses now plus PYW2V_FUZZ_HEADROOM_MB
    (default 1024): an allocation driven by a header (a claimed shape, a row count, a zip
    member's size) then fails at once with MemoryError, a finding, instead of swapping
    until libFuzzer's -rss_limit_mb notices. Linux only (reads /proc)."""
    if not os.path.exists("/proc/self/status"):
        return
    import resource

    with open("/proc/self/status") as status:
        used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = used + int(os.environ.get("PYW2V_FUZZ_HEADROOM_MB", "1024")) * (1 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(name: str, test_one_input: Callable[[bytes], None], seeds: list[bytes]) -> None:
    """Starts libFuzzer, with the memory limit of limit_memory. Without a corpus
    directory on the command line, one is made (or reused) under the temporary
    directory and filled with the seeds."""
    limit_memory()
    argv = list(sys.argv)
    if not any(not a.startswith("-") for a in argv[1:]):
        corpus = Path(tempfile.gettempdir()) / f"pyw2v-fuzz-corpus-{name}"
        corpus.mkdir(exist_ok=True)
        for i, seed in enumerate(seeds):
            (corpus / f"seed-{i}").write_bytes(seed)
        argv.append(str(corpus))
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
