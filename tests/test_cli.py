"""The command line and the demo on the embedded corpus."""

import os
import shutil
import subprocess
import sys

from pyw2v.cli import main
from pyw2v.demo import demo_corpus_path


def test_demo_corpus_is_shipped():
    path = demo_corpus_path()
    assert os.path.getsize(path) < 3 * 2**20
    assert os.path.exists(os.path.join(os.path.dirname(path), "README.md"))


def test_demo_prints_neighbours(capsys):
    assert (
        main(["demo", "--epochs", "1", "--n-random", "2", "--words", "jeremiah,zzzz", "--quiet"])
        == 0
    )
    out = capsys.readouterr().out
    assert "CBOW + negative sampling: trained on 977,043 tokens" in out
    blocks = out.split("\n\n")[1:]
    assert len(blocks) == 4  # 2 drawn words (of the 100 most frequent), jeremiah, the unknown
    king = next(b for b in blocks if b.startswith("jeremiah:"))
    rows = king.splitlines()[1:]
    assert len(rows) == 8
    sims = [float(r.split()[1]) for r in rows]
    assert sims == sorted(sims, reverse=True) and all(-1 <= s <= 1 for s in sims)
    assert "zzzz: not in the vocabulary" in out


def test_demo_lists_a_word_once(capsys):
    assert main(["demo", "--epochs", "1", "--n-random", "3", "--words", "the,the", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.count("\nthe:\n") == 1


def test_demo_skipgram_with_hierarchical_softmax(capsys):
    args = ["demo", "--sg", "--hs", "--epochs", "1", "--n-random", "1", "--words", "king"]
    assert main([*args, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("skip-gram + hierarchical softmax: trained on 977,043 tokens")
    assert "\nking:\n" in out


def test_demo_compare_prints_both_modes_side_by_side(capsys):
    args = ["demo", "--compare", "--epochs", "1", "--n-random", "1", "--topn", "4"]
    assert main([*args, "--words", "king", "--quiet"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    cbow = int(lines[0].split(" positive examples")[0].rsplit(" ", 1)[1].replace(",", ""))
    sg = int(lines[1].split(" positive examples")[0].rsplit(" ", 1)[1].replace(",", ""))
    # skip-gram trains about m + 1 = 6 pairs per CBOW example (reduced windows)
    assert 4 * cbow < sg < 7 * cbow
    assert lines[1].startswith("skip-gram: skip-gram (batched) + negative sampling: trained")
    assert "skip-gram trained" in lines[2]
    king = out.split("\nking:\n")[1].splitlines()
    assert king[0].split() == ["CBOW", "skip-gram"]
    assert len(king) == 5 and all(len(row.split()) == 4 for row in king[1:])


def test_demo_compare_refuses_sg(capsys):
    assert main(["demo", "--compare", "--sg", "--quiet"]) == 2
    assert "--compare" in capsys.readouterr().err


def test_bad_arguments_exit_nonzero(capsys):
    assert main(["demo", "--epochs", "0", "--quiet"]) == 1
    assert "epochs" in capsys.readouterr().err


def test_module_and_console_script(tmp_path):
    args = ["demo", "--epochs", "1", "--n-random", "1", "--topn", "3", "--quiet"]
    runs = [[sys.executable, "-m", "pyw2v", *args]]
    script = shutil.which("pyw2v", path=os.path.dirname(sys.executable))
    if script:
        runs.append([script, *args])
    for cmd in runs:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "trained on" in done.stdout
