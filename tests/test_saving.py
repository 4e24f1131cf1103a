"""What each kind of destination gets from a save (pyw2v.saving, used by every writer):
regular files replaced atomically with their permissions kept, symbolic links followed,
devices, FIFOs and descriptors written through, directories and read-only files
refused, no temporary file left behind by an error or a stop signal."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest

from pyw2v import KeyedVectors, Word2Vec
from pyw2v import io as w2v_io
from pyw2v.cli import main
from pyw2v.saving import atomic_write

WORDS = [f"w{i}" for i in range(20)]


@pytest.fixture(scope="module")
def kv():
    rng = np.random.default_rng(0)
    return KeyedVectors(rng.standard_normal((len(WORDS), 4)).astype(np.float32), WORDS)


def expected_text(kv, tmp_path):
    """The bytes a save to a fresh regular file writes."""
    path = tmp_path / "reference.txt"
    kv.save_word2vec_format(path)
    data = path.read_bytes()
    path.unlink()
    return data


def leftovers(directory):
    return [name for name in os.listdir(directory) if name.startswith(".")]


# the writers of pyw2v, each saving something to a path
WRITERS = {
    "text": lambda kv, path: kv.save_word2vec_format(path),
    "binary": lambda kv, path: kv.save_word2vec_format(path, binary=True),
    "vocab": lambda kv, path: w2v_io.save_vocab(dict.fromkeys(kv.index_to_key, 3), path),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_regular_file_keeps_its_permissions(kv, tmp_path, writer):
    path = tmp_path / "out"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    WRITERS[writer](kv, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert path.read_bytes() != b"old"
    assert leftovers(tmp_path) == []


def test_native_save_keeps_permissions(tmp_path):
    model = Word2Vec([WORDS] * 3, vector_size=4, min_count=1, epochs=1, workers=1, progress=False)
    path = tmp_path / "m.pyw2v"
    model.save(path)
    os.chmod(path, 0o600)
    model.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    Word2Vec.load(path)


def test_symlink_is_followed_and_kept(kv, tmp_path):
    target = tmp_path / "real.txt"
    target.write_bytes(b"old")
    os.chmod(target, 0o604)
    link = tmp_path / "link.txt"
    link.symlink_to("real.txt")  # relative, resolved from the link's directory
    chain = tmp_path / "chain.txt"
    chain.symlink_to(link)
    kv.save_word2vec_format(chain)
    assert chain.is_symlink() and link.is_symlink()
    assert target.read_bytes() == expected_text(kv, tmp_path)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o604
    assert leftovers(tmp_path) == []


def test_dangling_symlink_creates_its_target(kv, tmp_path):
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "sub" / "new.txt")
    kv.save_word2vec_format(link)
    assert link.is_symlink()
    assert (tmp_path / "sub" / "new.txt").read_bytes() == expected_text(kv, tmp_path)


def test_dev_null_stays_a_device(kv):
    kv.save_word2vec_format("/dev/null")
    w2v_io.save_vocab({"a": 1}, "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_fifo_is_written_through(kv, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        kv.save_word2vec_format(fifo)
    finally:
        reader.join(timeout=30)
    assert received == [expected_text(kv, tmp_path)]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert leftovers(tmp_path) == []


SAVE_TO_STDOUT = """
import sys
import numpy as np
from pyw2v import KeyedVectors
words = [f"w{i}" for i in range(20)]
rng = np.random.default_rng(0)
kv = KeyedVectors(rng.standard_normal((20, 4)).astype(np.float32), words)
kv.save_word2vec_format(sys.argv[1])
"""


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_stdout_streams(kv, tmp_path, name):
    done = subprocess.run(
        [sys.executable, "-c", SAVE_TO_STDOUT, name], capture_output=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected_text(kv, tmp_path)


def test_stdout_redirected_to_a_file_streams_into_it(kv, tmp_path):
    """/dev/stdout naming a regular file (`> out`) writes into that open file: not a
    replacement of the file the shell opened, which the descriptor would not see."""
    out = tmp_path / "out.txt"
    with open(out, "wb") as f:
        done = subprocess.run(
            [sys.executable, "-c", SAVE_TO_STDOUT, "/dev/stdout"], stdout=f, cwd=tmp_path
        )
    assert done.returncode == 0
    assert out.read_bytes() == expected_text(kv, tmp_path)


def test_directory_is_refused(kv, tmp_path):
    with pytest.raises(IsADirectoryError, match="cannot save to .*: it is a directory"):
        kv.save_word2vec_format(tmp_path)
    link = tmp_path / "to-dir"
    link.symlink_to(tmp_path)
    with pytest.raises(IsADirectoryError, match="to-dir"):
        kv.save_word2vec_format(link)


@pytest.mark.parametrize("length", [240, 255])
def test_long_legal_names_save(kv, tmp_path, length):
    path = tmp_path / ("n" * length)
    kv.save_word2vec_format(path)
    assert path.read_bytes() == expected_text(kv, tmp_path)


def test_errors_name_the_destination_not_the_temporary(kv, tmp_path, monkeypatch):
    path = tmp_path / "out.txt"

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="cannot save to .*out.txt.*No space left") as info:
        kv.save_word2vec_format(path)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    assert ".pyw2v-" not in str(info.value)
    assert os.listdir(tmp_path) == []


def test_missing_directory_is_named(kv, tmp_path):
    with pytest.raises(FileNotFoundError, match="directory .*nowhere.* does not exist"):
        kv.save_word2vec_format(tmp_path / "nowhere" / "out.txt")


def test_read_only_file_is_refused(kv, tmp_path):
    """As `cp` without -f: a file made read-only is not replaced (also for root)."""
    path = tmp_path / "keep.txt"
    path.write_bytes(b"precious")
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match="read-only"):
        kv.save_word2vec_format(path)
    assert path.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_hard_link_keeps_the_old_contents_under_its_other_name(kv, tmp_path):
    """The atomic replace makes a new file: the saved name gets it, another hard link
    to the old file keeps the old contents (e.g. a hard-linked backup)."""
    path = tmp_path / "out.txt"
    path.write_bytes(b"old")
    os.link(path, tmp_path / "backup.txt")
    kv.save_word2vec_format(path)
    assert path.read_bytes() == expected_text(kv, tmp_path)
    assert (tmp_path / "backup.txt").read_bytes() == b"old"
    assert os.stat(path).st_nlink == 1


SAVE_FOREVER = """
import signal
import sys
from pyw2v.saving import atomic_write
# the default dispositions this test is about (a child of nohup inherits SIGHUP ignored)
signal.signal(signal.SIGHUP, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
with atomic_write(sys.argv[1]) as f:
    f.write(b"x" * (1 << 20))
    print("writing", flush=True)
    while True:  # a save of a huge file, still going when the signal comes
        f.write(b"x" * (1 << 16))
        f.seek(0)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_stop_signal_during_a_save_leaves_no_temporary(tmp_path, signum):
    path = tmp_path / "big.bin"
    path.write_bytes(b"old")
    child = subprocess.Popen(
        [sys.executable, "-c", SAVE_FOREVER, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        assert child.stdout.readline() == b"writing\n"
        assert len(leftovers(tmp_path)) == 1  # the temporary exists while it writes
        child.send_signal(signum)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signum  # the signal still ends the process
    assert leftovers(tmp_path) == []
    assert path.read_bytes() == b"old"


def test_a_handler_set_by_the_program_is_left_alone(tmp_path):
    """A process that handles SIGTERM itself keeps its handler during a save."""
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda *a: seen.append(a[0]))
    try:
        with atomic_write(tmp_path / "f") as f:
            os.kill(os.getpid(), signal.SIGTERM)
            f.write(b"done")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [signal.SIGTERM]
    assert (tmp_path / "f").read_bytes() == b"done"


# ------------------------------------------------------------- command line


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(" ".join(WORDS) + "\n" + " ".join(reversed(WORDS)) + "\n")
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


SMALL = ["-size", 4, "-min-count", 1, "-iter", 1, "--quiet"]


@pytest.mark.parametrize("flag", ["-output", "-save-vocab"])
@pytest.mark.parametrize("how", ["same name", "symlink", "hard link"])
def test_cli_refuses_to_overwrite_its_corpus(capsys, corpus, tmp_path, flag, how):
    before = corpus.read_bytes()
    alias = {"same name": corpus, "symlink": tmp_path / "s", "hard link": tmp_path / "h"}[how]
    if how == "symlink":
        alias.symlink_to(corpus)
    elif how == "hard link":
        os.link(corpus, alias)
    outputs = {"-output": tmp_path / "v.txt", flag: alias}
    args = [a for pair in outputs.items() for a in pair]
    code, _, err = run(capsys, "train", "-train", corpus, *args, *SMALL)
    assert code == 1
    assert "same file as" in err and str(corpus) in err
    assert corpus.read_bytes() == before


def test_cli_refuses_read_vocab_as_output(capsys, corpus, tmp_path):
    vocab = tmp_path / "vocab.txt"
    w2v_io.save_vocab(dict.fromkeys(WORDS, 2), vocab)
    code, _, err = run(
        capsys, "train", "-train", corpus, "-read-vocab", vocab, "-output", vocab, *SMALL
    )
    assert code == 1 and "same file as" in err


def test_cli_output_to_dev_stdout_streams(corpus, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pyw2v", "train", "-train", str(corpus), "-output", "/dev/stdout"]
        + [str(a) for a in SMALL],
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"20 4\n") and done.stdout.count(b"\n") == 21
    assert leftovers(tmp_path) == []


def test_cli_output_to_dev_null(capsys, corpus):
    code, _, err = run(capsys, "train", "-train", corpus, "-output", "/dev/null", *SMALL)
    assert code == 0, err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
