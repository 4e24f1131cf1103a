"""The command line: `pyw2v train` with word2vec.c's flags and with long options,
`similar`, `analogy`, `eval`, `info`, the progress display, and errors (one line on
stderr, exit status 1, or 2 for a command line that does not parse)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest

from pyw2v import Word2Vec
from pyw2v import io as w2v_io
from pyw2v.cli import main
from pyw2v.corpus import FileCorpus
from pyw2v.params import cpu_count
from pyw2v.progress import ProgressReporter

DATA = os.path.join(os.path.dirname(__file__), "data")


def data(name):
    return os.path.join(DATA, name)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A small generated corpus: Zipf-distributed words, 300 lines."""
    rng = np.random.default_rng(4)
    ranks = np.minimum(rng.zipf(1.3, size=(300, 12)), 80) - 1
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(" ".join(f"w{r}" for r in row) for row in ranks) + "\n")
    return str(path)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pyw2v: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], err


SMALL = ["-size", 12, "-window", 3, "-negative", 3, "-min-count", 2, "-iter", 2]


# --------------------------------------------------------------------- train


def test_train_with_word2vec_c_flags(capsys, corpus, tmp_path):
    out = tmp_path / "vectors.bin"
    vocab = tmp_path / "vocab.txt"
    code, stdout, err = run(
        capsys, "train", "-train", corpus, "-output", out, *SMALL, "-sample", "1e-4",
        "-alpha", 0.04, "-threads", 1, "-binary", 1, "-cbow", 1, "-hs", 0,
        "-save-vocab", vocab, "-debug", 2,
    )  # fmt: skip
    assert code == 0, err
    assert stdout == ""  # everything but results goes to stderr
    assert "threads 1" in err and "alpha 0.04 -> 4e-06" in err and "sample 0.0001" in err
    assert "wrote" in err and "(binary)" in err
    assert w2v_io.detect_word2vec_binary(out)
    kv = w2v_io.load_word2vec_format(out, binary=True)
    assert kv.vector_size == 12 and np.isfinite(kv.vectors).all()
    lines = vocab.read_text().splitlines()
    assert lines[0] == "</s> 300"  # word2vec.c's layout: the sentence marker first
    assert [line.split()[0] for line in lines[1:]] == kv.index_to_key
    counts = [int(line.split()[1]) for line in lines[1:]]
    assert counts == sorted(counts, reverse=True) and min(counts) >= 2


def test_train_writes_text_unless_binary(capsys, corpus, tmp_path):
    out = tmp_path / "vectors.txt"
    code, _, err = run(capsys, "train", "-train", corpus, "-output", out, *SMALL, "-debug", 0)
    assert code == 0 and err == ""
    assert not w2v_io.detect_word2vec_binary(out)
    assert w2v_io.load_word2vec_format(out).vector_size == 12


def test_word2vec_flags_without_the_subcommand(capsys, corpus, tmp_path):
    code, _, err = run(capsys, "-train", corpus, "-output", tmp_path / "v.txt", *SMALL)
    assert code == 0, err
    assert f"threads {min(12, cpu_count())}" in err  # word2vec.c's 12, capped at the cores
    assert (tmp_path / "v.txt").exists()


def test_long_options(capsys, corpus, tmp_path):
    out = tmp_path / "v.bin"
    code, _, err = run(
        capsys, "train", "--train", corpus, "--output", out, "--vector-size", 10, "--window", 2,
        "--negative", 2, "--min-count", 3, "--epochs", 1, "--binary", 1, "--seed", 9,
    )  # fmt: skip
    assert code == 0, err
    assert f"threads {cpu_count()}" in err  # pyw2v's default: all usable cores
    kv = w2v_io.load_word2vec_format(out, binary=True)
    assert kv.vector_size == 10
    code, _, err = run(capsys, "train", "--train", corpus, "--output", out, "--quiet")
    assert code == 0 and err == ""


@pytest.mark.parametrize(
    ("name", "extra"),
    [("m.pyw2v", []), ("m.npz", []), ("model", ["--format", "native"])],
)
def test_native_output(capsys, corpus, tmp_path, name, extra):
    out = tmp_path / name
    code, _, err = run(
        capsys, "train", "-train", corpus, "-output", out, *SMALL, "-threads", 1, *extra
    )
    assert code == 0, err
    model = Word2Vec.load(out)
    assert model.params.vector_size == 12 and model.params.window == 3
    assert model.params.min_alpha == pytest.approx(0.05e-4)
    assert model.epochs_trained == 2 and len(model.epoch_losses) == 2
    code, _, _ = run(capsys, "train", "-train", corpus, "-output", out, "--quiet")
    assert code == 0


def test_read_vocab_only_encodes_the_corpus(capsys, corpus, tmp_path, monkeypatch):
    vocab = tmp_path / "vocab.txt"
    code, _, err = run(
        capsys, "train", "-train", corpus, "-output", tmp_path / "a.txt", *SMALL,
        "-save-vocab", vocab,
    )  # fmt: skip
    assert code == 0, err
    saved = w2v_io.load_vocab(vocab)

    def no_counting(self, *args, **kwargs):
        raise AssertionError("the corpus was counted")

    monkeypatch.setattr(FileCorpus, "count", no_counting)
    out = tmp_path / "b.txt"
    code, _, err = run(
        capsys, "train", "-train", corpus, "-output", out, *SMALL, "-min-count", 5,
        "-read-vocab", vocab,
    )  # fmt: skip
    assert code == 0, err
    kv = w2v_io.load_word2vec_format(out)
    assert kv.index_to_key == [w for w, c in saved.items() if c >= 5]


def test_read_vocab_written_by_word2vec_c(capsys, tmp_path):
    out = tmp_path / "v.txt"
    code, _, err = run(
        capsys, "-train", data("w2v-corpus.txt"), "-read-vocab", data("w2v-word2vec-c.vocab"),
        "-output", out, "-size", 8, "-iter", 1,
    )  # fmt: skip
    assert code == 0, err
    theirs = w2v_io.load_word2vec_format(data("w2v-word2vec-c.txt"))
    ours = w2v_io.load_word2vec_format(out)
    assert ours.index_to_key == theirs.index_to_key[1:]  # all but word2vec.c's </s>


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["-cbow", 2], "-cbow"),
        (["-hs", 2], "-hs"),
        (["-hs", 0, "-negative", 0], "-negative"),
        (["-classes", 10], "classes"),
        (["-negative", 0], "-negative"),
        (["-size", 0], "-size"),
        (["-window", 0], "-window"),
        (["-alpha", 0], "-alpha"),
        (["-alpha", 0.01, "-min-alpha", 0.02], "-min-alpha"),
        (["-iter", 0], "-iter"),
        (["-threads", -2], "-threads"),
        (["-sample", -1], "-sample"),
        (["-min-count", 100000], "vocabulary is empty"),
    ],
)
def test_train_bad_values_exit_1(capsys, corpus, tmp_path, flags, fragment):
    out = tmp_path / "v.txt"
    code, _, err = run(capsys, "train", "-train", corpus, "-output", out, *flags)
    assert code == 1
    assert_one_line_error(err.splitlines()[-1], fragment)
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "-train", "c.txt"],  # no -output
        ["train", "-output", "v.txt"],  # no -train
        ["train", "-train", "c.txt", "-output", "v", "-size", "abc"],
        ["train", "-train", "c.txt", "-output", "v", "-no-such-flag", "1"],
        ["train", "-train", "c.txt", "-output", "v", "-binary", "0", "--format", "binary"],
        ["frobnicate"],
        [],
        ["similar", "model.bin"],  # no word
        ["analogy", "model.bin", "a", "b"],
        ["eval", data("w2v-gensim.bin")],  # nothing to evaluate
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_error(err)
    assert out == ""


def test_missing_and_unwritable_files(capsys, corpus, tmp_path):
    code, _, err = run(capsys, "train", "-train", tmp_path / "nope.txt", "-output", "v.txt")
    assert code == 1
    assert_one_line_error(err, "nope.txt", "not found")
    code, _, err = run(capsys, "train", "-train", corpus, "-output", tmp_path / "no" / "v.txt")
    assert code == 1
    assert_one_line_error(err, "does not exist")
    code, _, err = run(
        capsys, "train", "-train", corpus, "-output", tmp_path / "v", "-read-vocab", "nope"
    )
    assert code == 1
    assert_one_line_error(err.splitlines()[-1], "nope")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    code, _, err = run(capsys, "train", "-train", empty, "-output", tmp_path / "v")
    assert code == 1
    assert_one_line_error(err.splitlines()[-1], "empty")


def test_debug_shows_the_traceback(capsys, tmp_path):
    code, _, err = run(capsys, "--debug", "similar", tmp_path / "nope.bin", "x")
    assert code == 1
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("pyw2v: error:")
    code, _, err = run(capsys, "similar", tmp_path / "nope.bin", "x", "--debug")
    assert code == 1 and "Traceback" in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0 and "-min-count" in out and "--vector-size" in out
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "similar" in out and "analogy" in out


# ------------------------------------------------------------------- queries


@pytest.fixture(scope="module")
def native_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("native") / "m.pyw2v"
    model = Word2Vec(
        data("w2v-corpus.txt"), vector_size=16, min_count=5, epochs=3, workers=1,
        progress=False,
    )  # fmt: skip
    model.save(path)
    return str(path)


def neighbour_blocks(out):
    blocks = {}
    for block in out.strip().split("\n\n"):
        head, *rows = block.splitlines()
        blocks[head.rstrip(":")] = [(r.split()[0], float(r.split()[1])) for r in rows]
    return blocks


@pytest.mark.parametrize("model", ["w2v-gensim.bin", "w2v-word2vec-c.txt", "native"])
def test_similar(capsys, native_model, model):
    path = native_model if model == "native" else data(model)
    code, out, err = run(capsys, "similar", path, "god", "日本", "--topn", 4)
    assert code == 0, err
    blocks = neighbour_blocks(out)
    assert list(blocks) == ["god", "日本"]
    for word, rows in blocks.items():
        assert len(rows) == 4 and word not in [w for w, _ in rows]
        sims = [s for _, s in rows]
        assert sims == sorted(sims, reverse=True) and all(-1 <= s <= 1 for s in sims)


def test_similar_matches_the_library(capsys):
    code, out, _ = run(capsys, "similar", data("w2v-gensim.txt"), "father", "--topn", 3)
    assert code == 0
    kv = w2v_io.load_word2vec_format(data("w2v-gensim.txt"))
    expected = [(w, round(s, 4)) for w, s in kv.most_similar("father", topn=3)]
    assert neighbour_blocks(out)["father"] == expected


def test_similar_limit_and_unknown_words(capsys):
    code, out, err = run(capsys, "similar", data("w2v-gensim.bin"), "the", "--limit", 20)
    assert code == 0, err
    kv = w2v_io.load_word2vec_format(data("w2v-gensim.bin"), binary=True, limit=20)
    assert {w for w, _ in neighbour_blocks(out)["the"]} <= set(kv.index_to_key)
    code, out, err = run(capsys, "similar", data("w2v-gensim.bin"), "god", "zzz", "qqq")
    assert code == 1 and out == ""
    assert_one_line_error(err, "'zzz'", "'qqq'", "not in the vocabulary")
    for bad in (["--topn", 0], ["--limit", -1]):
        code, _, err = run(capsys, "similar", data("w2v-gensim.bin"), "god", *bad)
        assert code == 1
        assert_one_line_error(err, bad[0])


def test_analogy(capsys):
    code, out, err = run(
        capsys, "analogy", data("w2v-gensim.bin"), "man", "woman", "he", "--topn", 5
    )
    assert code == 0, err
    head, *rows = out.strip().splitlines()
    assert head == "man : woman :: he : ?"
    assert len(rows) == 5
    kv = w2v_io.load_word2vec_format(data("w2v-gensim.bin"), binary=True)
    best = kv.most_similar(positive=["woman", "he"], negative=["man"], topn=1)[0]
    assert rows[0].split()[0] == best[0]
    code, _, err = run(capsys, "analogy", data("w2v-gensim.bin"), "man", "king", "woman")
    assert code == 1
    assert_one_line_error(err, "'king'")


def test_eval(capsys):
    code, out, err = run(
        capsys, "eval", data("w2v-gensim.bin"), "--analogies", data("w2v-eval-analogies.txt"),
        "--pairs", data("w2v-eval-pairs.txt"),
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    table = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("    ")}
    assert table["family"][1] == "4"  # all four family questions answered
    assert table["out-of-vocabulary"][1] == "0"
    assert table["total"][1] == "4"
    assert "4 of 6 questions answered; 2 skipped" in out
    assert "Pearson r" in out and "Spearman rho" in out
    assert "pairs with an unknown word: 37.5%" in out
    kv = w2v_io.load_word2vec_format(data("w2v-gensim.bin"), binary=True)
    (r, _), (rho, _), _ = kv.evaluate_word_pairs(data("w2v-eval-pairs.txt"))
    assert f"Pearson r     {r:.4f}" in out and f"Spearman rho  {rho:.4f}" in out


def test_eval_errors(capsys, tmp_path):
    code, _, err = run(capsys, "eval", data("w2v-gensim.bin"), "--pairs", tmp_path / "nope")
    assert code == 1
    assert_one_line_error(err, "nope")
    code, _, err = run(
        capsys, "eval", data("w2v-gensim.bin"), "--analogies", data("w2v-eval-analogies.txt"),
        "--restrict-vocab", 0,
    )  # fmt: skip
    assert code == 1
    assert_one_line_error(err, "--restrict-vocab")


def test_info(capsys, native_model):
    code, out, _ = run(capsys, "info", data("w2v-word2vec-c.bin"))
    assert code == 0
    fields = {line[:13].strip(): line[13:] for line in out.splitlines()}
    assert fields["format"] == "word2vec binary"
    assert fields["words"] == "230" and fields["dimension"] == "8"
    assert fields["first words"].split()[:2] == ["</s>", "the"]
    code, out, _ = run(capsys, "info", data("w2v-gensim.txt"))
    assert "word2vec text" in out and "229" in out
    code, out, _ = run(capsys, "info", native_model)
    assert code == 0
    assert "pyw2v native" in out and "3 trained; loss per epoch:" in out
    assert "training     CBOW-NS," in out


def test_info_names_the_mode(capsys, tmp_path):
    """Was "CBOW-NS" whatever the model trained."""
    sentences = [["a", "b", "c", "d"]] * 20
    for kwargs, name in [({"sg": 1}, "SG-NS"), ({"hs": 1, "negative": 0}, "CBOW-HS"),
                         ({"sg": 1, "hs": 1}, "SG-HS+NS")]:  # fmt: skip
        path = tmp_path / f"{name}.pyw2v"
        Word2Vec(sentences, min_count=1, vector_size=4, epochs=1, progress=False, **kwargs).save(
            path
        )
        code, out, _ = run(capsys, "info", path)
        assert code == 0 and f"training     {name}," in out, out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x00\x01garbage" * 10, "first line"),
        (b"PK\x03\x04" + bytes(range(200)), "not a readable pyw2v model"),
        (b"3 4\nthe 0.1 0.2\n", "truncated"),
        (b"", "first line"),
    ],
)
def test_unreadable_models(capsys, tmp_path, content, fragment):
    path = tmp_path / "bad.model"
    path.write_bytes(content)
    for argv in (["similar", path, "the"], ["info", path]):
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == ""
        assert_one_line_error(err, "bad.model", fragment)
    code, _, err = run(capsys, "info", tmp_path)
    assert code == 1
    assert_one_line_error(err, "directory")


# ---------------------------------------------------------------- progress


def test_progress_lines_when_not_a_terminal():
    stream = io.StringIO()
    reporter = ProgressReporter(1000, stream=stream, log_every=0.0)
    reporter.update(250, 0, 2, 0.04, 3.5)
    reporter.update(1000, 1, 2, 0.0001, 2.25, force=True)
    reporter.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[0].startswith("epoch 1/2   25.0%") and "alpha 0.04000" in lines[0]
    assert "loss 3.5000" in lines[0] and "words/s" in lines[0] and "ETA" in lines[0]
    assert lines[1].startswith("epoch 2/2  100.0%") and "ETA 0:00" in lines[1]


def test_progress_bar_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    reporter = ProgressReporter(1000, stream=stream)
    reporter.update(500, 0, 1, 0.025, None, force=True)
    reporter.close()
    text = stream.getvalue()
    assert text.startswith("\r[##########..........]  ") or text.startswith("\repoch")
    assert "50.0%" in text and "loss -" in text and text.endswith("\n")


def test_silent_progress():
    stream = io.StringIO()
    reporter = ProgressReporter(10, enabled=False, stream=stream)
    reporter.update(5, 0, 1, 0.1, 1.0, force=True)
    reporter.close()
    assert stream.getvalue() == ""


def test_training_logs_progress_to_stderr(capsys, corpus, tmp_path):
    code, _, err = run(capsys, "train", "-train", corpus, "-output", tmp_path / "v", *SMALL)
    assert code == 0
    progress = [line for line in err.splitlines() if line.startswith("epoch ")]
    assert progress[-1].startswith("epoch 2/2  100.0%")


# ------------------------------------------------------------- as a program


def run_program(args, tmp_path):
    # outside the repository, so that the installed package is imported
    return subprocess.run(
        [sys.executable, "-m", "pyw2v", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )


def test_program_exit_statuses(tmp_path):
    done = run_program(["similar", data("w2v-gensim.bin"), "god", "--topn", 2], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("god:\n")
    done = run_program(["similar", tmp_path / "nope.bin", "god"], tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("pyw2v: error: ") and done.stderr.count("\n") == 1
    done = run_program(["train", "-train"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("pyw2v: error: ") and "Traceback" not in done.stderr


def test_program_trains_like_word2vec(tmp_path):
    corpus = data("w2v-corpus.txt")
    done = run_program(
        ["-train", corpus, "-output", "v.bin", "-size", 8, "-binary", 1, "-iter", 1], tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "wrote 229 vectors" in done.stderr
    assert w2v_io.load_word2vec_format(tmp_path / "v.bin", binary=True).vector_size == 8


@pytest.mark.parametrize(
    ("flags", "mode"),
    [
        (["-cbow", 0], "SG-NS (batched)"),
        (["-cbow", 0, "--sg-batch", 0], "SG-NS"),
        (["-hs", 1, "-negative", 0], "CBOW-HS"),
        (["-cbow", 0, "-hs", 1, "-negative", 0], "SG-HS"),
        (["-cbow", 0, "-hs", 1], "SG-HS+NS"),
    ],
)
def test_train_every_mode_with_word2vec_flags(capsys, corpus, tmp_path, flags, mode):
    out = tmp_path / "m.pyw2v"
    code, _, err = run(capsys, "train", "-train", corpus, "-output", out, *SMALL, *flags)
    assert code == 0, err
    assert err.startswith(f"{mode}: ")
    model = Word2Vec.load(out)
    assert model.sg == int("-cbow" in flags)
    assert model.hs == int("-hs" in flags)
    assert model.alpha == (0.025 if model.sg else 0.05)  # word2vec.c's defaults


def test_train_preset_sets_its_values_and_flags_override_them(capsys, corpus, tmp_path):
    out = tmp_path / "m.pyw2v"
    code, _, err = run(
        capsys, "train", "-train", corpus, "-output", out, "--preset", "similarity",
        "-size", 12, "-min-count", 2, "-iter", 1, "-window", 3, "-threads", 1,
    )  # fmt: skip
    assert code == 0, err
    # the preset's alpha, negative and min_alpha; the flags' window, size and iter
    assert "window 3, negative 15," in err and "alpha 0.2 -> 0.0001" in err, err
    params = Word2Vec.load(str(out)).params
    assert params.cbow_exact_grad is True and params.sg == 0
    assert (params.window, params.vector_size, params.epochs) == (3, 12, 1)


def test_train_without_preset_keeps_word2vec_c_defaults(capsys, corpus, tmp_path):
    out = tmp_path / "m.pyw2v"
    code, _, err = run(capsys, "train", "-train", corpus, "-output", out, *SMALL, "-threads", 1)
    assert code == 0, err
    assert Word2Vec.load(str(out)).params.cbow_exact_grad is False
    assert "alpha 0.05 -> 5e-06" in err


def test_train_unknown_preset_is_a_usage_error(capsys, corpus, tmp_path):
    code, _, err = run(
        capsys, "train", "-train", corpus, "-output", tmp_path / "v", "--preset", "x"
    )
    assert code == 2
    assert_one_line_error(err, "--preset: invalid choice: 'x'", "'analogy', 'similarity'")
