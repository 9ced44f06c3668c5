"""The front door: the README's Python example runs, and every generated table of the README and docs/ equals its
committed artefact (``benchmarks/readme_tables.py --check``), which fails when a table is edited by hand."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "readme_tables.py"


def _check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--check", "--root", str(root)], capture_output=True,
                          text=True)


def test_readme_tables_match_their_artefacts():
    result = _check(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "generated table(s)" in result.stdout


def test_a_hand_edited_table_fails_the_check(tmp_path):
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(ROOT / "README.md", copy / "README.md")
    shutil.copytree(ROOT / "docs", copy / "docs")
    page = next(p for p in [copy / "README.md", *sorted((copy / "docs").glob("*.md"))]
                if "<!-- table:" in p.read_text())
    text = page.read_text()
    body = re.search(r"<!-- table: [^>]*-->\n(.*?)<!-- /table -->", text, re.S)
    digits = re.search(r"\d", body.group(1))
    start = body.start(1) + digits.start()
    edited = text[:start] + str((int(text[start]) + 1) % 10) + text[start + 1:]
    page.write_text(edited)
    result = _check(copy)
    assert result.returncode == 1 and "differs from its artefact" in result.stdout
    # regenerating restores the artefact's table
    assert subprocess.run([sys.executable, str(SCRIPT), "--root", str(copy)], capture_output=True).returncode == 0
    assert page.read_text() == text and _check(copy).returncode == 0


def test_a_marker_without_its_artefact_is_an_error(tmp_path):
    copy = tmp_path / "repo"
    copy.mkdir()
    (copy / "README.md").write_text("<!-- table: summary docs/measurements/nowhere -->\n<!-- /table -->\n")
    result = _check(copy)
    assert result.returncode == 2 and "no such artefact folder" in result.stderr


def test_readme_python_example_runs(seed_root, tmp_path, monkeypatch):
    """The README's 'In Python' block, on a generated folder and with a tiny backbone and one epoch."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## In Python\n\n```python\n(.*?)```", text, re.S).group(1)
    assert len(block.strip().splitlines()) <= 12
    code = block.replace('"/data/SEED/Preprocessed_EEG"', repr(str(seed_root)))
    code = code.replace("module_kwargs=FLATTEN_POOLS, random_state=0)",
                        "module_kwargs={**FLATTEN_POOLS, 'd_model': 16, 'n_heads': 2, 'depths': [1, 1, 1], "
                        "'conv_hidden': 16, 'img_size': 16}, random_state=0, max_epochs=1)")
    assert code != block and "max_epochs=1" in code
    monkeypatch.setenv("EMOCLIP_CACHE", str(tmp_path / "cache"))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert 0 <= namespace["clf"].score(namespace["X"][namespace["test"]], namespace["y"][namespace["test"]]) <= 1


def test_readme_benchmark_api_example_runs(seed_root, tmp_path, monkeypatch):
    """The README's 'From Python, with your own model' block, on a generated folder, with the quick preset and the
    fast models (the block's own model list includes paper-size EmotionCLIP)."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"### From Python, with your own model\n\n```python\n(.*?)```", text, re.S).group(1)
    code = block.replace('"/data/SEED/Preprocessed_EEG"', repr(str(seed_root)))
    code = code.replace('preset="strict"', 'preset="smoke", quiet=True')
    code = code.replace('"emotionclip", "svm_de", "braindecode:ShallowFBCSPNet", mine',
                        '"svm_de", "de_logreg", mine')
    code = code.replace('out="runs/mine"', f'out={str(tmp_path / "runs")!r}')
    code = code.replace('r.save("artefacts/mine")', f'r.save({str(tmp_path / "copy")!r})')
    assert code.count(str(tmp_path)) == 2 and '"svm_de", "de_logreg", mine' in code
    monkeypatch.setenv("EMOCLIP_CACHE", str(tmp_path / "cache"))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    r = namespace["r"]
    assert list(dict.fromkeys(r.results["model"])) == ["svm_de", "de_logreg", "rbf_svm"]
    assert (tmp_path / "copy" / "results.csv").is_file() and not r.comparisons.empty
