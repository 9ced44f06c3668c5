"""Results tied to the code that made them: the code fingerprint, and resume that reuses a fold only when the
fingerprint matches (``--resume-any-code`` on purpose, recorded and flagged)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import emoclip_plugin
from emoclip_plugin.benchmark import fingerprint
from emoclip_plugin.cli import run

PACKAGE = Path(emoclip_plugin.__file__).resolve().parent


def _clone(tmp_path: Path) -> Path:
    """A copy of the package source in a fresh folder (the clone a user edits)."""
    dest = tmp_path / "clone" / "emoclip_plugin"
    shutil.copytree(PACKAGE, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def _fingerprint_in(package: Path) -> str:
    """The fingerprint as a fresh interpreter importing ``package`` computes it."""
    code = "import emoclip_plugin.benchmark.fingerprint as f, sys; print(f.code_fingerprint())"
    out = subprocess.run([sys.executable, "-c", code], cwd=package.parent, capture_output=True, text=True,
                         env={"PYTHONPATH": str(package.parent), "PATH": "/usr/bin:/bin"}, check=True)
    return out.stdout.strip()


def test_a_changed_source_file_changes_the_fingerprint(tmp_path):
    clone = _clone(tmp_path)
    before = _fingerprint_in(clone)
    assert before == fingerprint.source_hash(clone) == fingerprint.source_hash(PACKAGE)
    assert before.startswith("src-") and len(before) == 20
    (clone.parent / "README.md").write_text("docs do not change the code\n")  # outside the package
    assert _fingerprint_in(clone) == before
    target = clone / "benchmark" / "protocols.py"
    target.write_text(target.read_text() + "\n# an edit\n")
    assert _fingerprint_in(clone) != before
    edited = fingerprint.source_hash(clone)
    (clone / "new_module.py").write_text("x = 1\n")  # a new file counts too
    assert fingerprint.source_hash(clone) not in (before, edited)


def test_git_state_in_a_clone(tmp_path):
    clone = _clone(tmp_path)
    root = clone.parent

    def git(*args):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                            "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "clone")
    clean = fingerprint.git_state(clone)
    assert clean["commit"] and len(clean["commit"]) == 40 and not clean["dirty"] and clean["diff_hash"] is None
    (clone / "benchmark" / "protocols.py").write_text((clone / "benchmark" / "protocols.py").read_text() + "\n# uncommitted\n")
    dirty = fingerprint.git_state(clone)
    assert dirty["commit"] == clean["commit"] and dirty["dirty"] and len(dirty["diff_hash"]) == 12
    provenance = fingerprint.code_provenance(str(clone))
    assert provenance["git_commit"] == clean["commit"] + "+dirty"
    assert fingerprint.git_state(tmp_path / "nowhere") == {"commit": None, "dirty": False, "diff_hash": None}


def test_resume_only_reuses_folds_of_the_same_code(seed_root, tmp_path, monkeypatch, capsys):
    out, cache = tmp_path / "out", tmp_path / "cache"
    base = ["--root", str(seed_root), "--models", "de_logreg", "--out", str(out), "--cache", str(cache),
            "--threads", "1", "--cross-subject", "pooled"]

    def with_code(code: str, extra: list[str]) -> str:
        monkeypatch.setattr(fingerprint, "code_fingerprint", lambda package_dir=None: code)
        assert run(base + extra) == 0
        return capsys.readouterr().out

    with_code("src-aaaaaaaaaaaaaaaa", ["--seed", "0"])
    rows = pd.read_csv(out / "results.csv")
    assert set(rows["code"]) == {"src-aaaaaaaaaaaaaaaa"} and len(rows) == 3
    # other code, same command: nothing is reused
    text = with_code("src-bbbbbbbbbbbbbbbb", ["--seed", "0"])
    assert "0 already finished" in text and "Mixed code" not in text
    assert set(pd.read_csv(out / "results.csv")["code"]) == {"src-bbbbbbbbbbbbbbbb"}
    # reuse on purpose: the old folds are kept, the new seed's are computed, and the summary says so
    text = with_code("src-cccccccccccccccc", ["--seeds", "0,1", "--resume-any-code"])
    assert "3 already finished" in text and "Mixed code" in text
    rows = pd.read_csv(out / "results.csv")
    assert rows.groupby("seed")["code"].agg(set).to_dict() == {0: {"src-bbbbbbbbbbbbbbbb"},
                                                               1: {"src-cccccccccccccccc"}}
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["resume_any_code"] is True and prov["code"] == "src-cccccccccccccccc"
    # and without the option every fold of other code is recomputed
    text = with_code("src-cccccccccccccccc", ["--seeds", "0,1"])
    assert "3 already finished" in text and "Mixed code" not in text
    assert json.loads((out / "provenance.json").read_text())["resume_any_code"] is False


def test_store_refuses_rows_without_a_fingerprint(tmp_path):
    from emoclip_plugin.benchmark.store import ResultStore
    store = ResultStore(tmp_path)
    store.save("t", {"row": {"config_hash": "h"}})  # a fold stored before fingerprints existed
    assert store.load("t", "h") is not None  # --resume-any-code
    assert store.load("t", "h", code="src-x") is None
