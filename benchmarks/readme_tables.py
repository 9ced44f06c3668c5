"""Regenerate the README's and the docs pages' tables from committed artefacts (``docs/measurements/<folder>/``).

A generated table sits between two marker comments in ``README.md`` or ``docs/*.md``::

    <!-- table: summary docs/measurements/2026-12-01-default -->
    ...generated, never edited by hand...
    <!-- /table -->

Kinds (the first word after ``table:``):

* ``summary DIR`` — accuracy / macro-F1 per dataset x protocol x preset x model from ``DIR/results.csv``, through the
  benchmark's own report code (mean ± std over folds);
* ``comparisons DIR [models|presets] [pairs=a:b,c:d]`` — the paired comparisons recomputed from ``DIR/results.csv``
  with the benchmark's statistics (test subject as the unit), optionally only the listed pairs;
* ``ablation DIR`` — a recipe ablation's variants from ``DIR/results.csv`` and each against the recipe over test
  subjects;
* ``sweep DIR`` — the architecture sweep's table from its raw JSON lines;
* ``file DIR/FILE`` — the artefact file verbatim (a study's printed table, or a script's raw output in a code block
  when the file does not end in ``.md``).

Every ``summary`` / ``comparisons`` folder must hold ``results.csv``, ``provenance.json``, ``command.txt`` and the
printed ``summary.md``; a ``file`` folder must hold ``command.txt`` or a ``README.md`` that gives the command.

    python benchmarks/readme_tables.py           # rewrite the tables in place
    python benchmarks/readme_tables.py --check   # exit 1, naming each table that differs from its artefact
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"(<!-- table: (?P<spec>[^>]*?) -->\n)(?P<body>.*?)(<!-- /table -->)", re.S)
CHANCE = {"seed": 1 / 3, "seed-iv": 1 / 4}


class ArtefactError(ValueError):
    """A marker that names a missing or incomplete artefact, or an unknown kind."""


def _folder(root: Path, rel: str, needs: tuple[str, ...]) -> Path:
    folder = root / rel
    if not folder.is_dir():
        raise ArtefactError(f"{rel}: no such artefact folder")
    missing = [n for n in needs if not (folder / n).is_file()]
    if missing:
        raise ArtefactError(f"{rel}: the artefact lacks {', '.join(missing)}")
    return folder


def _rows(root: Path, rel: str):
    import pandas as pd
    folder = _folder(root, rel, ("results.csv", "provenance.json", "command.txt", "summary.md"))
    return pd.read_csv(folder / "results.csv")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def summary(root: Path, rel: str) -> str:
    from emoclip_plugin.benchmark.report import summary_table
    table = summary_table(_rows(root, rel))
    presets = table["preset"].nunique() > 1
    header = ["dataset", "protocol"] + (["preset"] if presets else []) + ["model", "folds", "chance", "accuracy",
                                                                          "f1_macro"]
    body = [[r["dataset"], r["protocol"]] + ([r["preset"]] if presets else [])
            + [r["model"], r["folds"], f"{100 * CHANCE[r['dataset']]:.1f}", r["accuracy"], r["f1_macro"]]
            for _, r in table.iterrows()]
    return _table(header, body)


def comparisons(root: Path, rel: str, *options: str) -> str:
    from emoclip_plugin.benchmark.stats import paired_comparisons
    kind, pairs = "models", None
    for option in options:
        if option in ("models", "presets"):
            kind = option
        elif option.startswith("pairs="):
            pairs = [tuple(p.split(":")) for p in option[len("pairs="):].split(",")]
        else:
            raise ArtefactError(f"comparisons {rel}: unknown option {option!r}")
    table = paired_comparisons(_rows(root, rel))
    table = table[table["comparison"] == kind]
    if pairs is not None:
        keep = [(a, b) for a, b in zip(table["model_a"], table["model_b"])]
        table = table[[k in pairs for k in keep]]
    body = []
    for _, r in table.iterrows():
        dz = "—" if r["d_z"] != r["d_z"] else f"{r['d_z']:+.2f}"
        body.append([f"{r['model_a']} − {r['model_b']}", f"{r['n_subjects']} ({r['folds']})",
                     f"{r['mean_diff']:+.2f}", dz, f"[{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]", r["test"],
                     f"{r['p']:.3g}", f"{r['p_holm']:.3g}"])
    return _table(["model a − model b", "subjects (folds)", "mean difference", "d_z",
                   "95 % CI (bootstrap over subjects)", "test", "p", "Holm p"], body)


def file(root: Path, rel: str) -> str:
    path = root / rel
    if not path.is_file():
        raise ArtefactError(f"{rel}: no such artefact file")
    if not ((path.parent / "command.txt").is_file() or (path.parent / "README.md").is_file()):
        raise ArtefactError(f"{rel}: its folder has neither command.txt nor README.md (the command)")
    text = path.read_text().strip()
    return text if path.suffix == ".md" else f"```\n{text}\n```"


def sweep(root: Path, rel: str, *options: str) -> str:
    """The architecture sweep's table from its raw ``*.jsonl`` lines (one per variant x dataset x test subject, with
    per-epoch accuracies): the last epoch's accuracy, mean over the test subjects, and each subject's."""
    import json
    folder = _folder(root, rel, ("README.md",))
    lines = [json.loads(line) for f in sorted(folder.glob("*.jsonl")) for line in f.read_text().splitlines() if line]
    if not lines:
        raise ArtefactError(f"sweep {rel}: no *.jsonl lines")
    wanted = None
    for option in options:
        if option.startswith("variants="):
            wanted = option[len("variants="):].split(",")
        else:
            raise ArtefactError(f"sweep {rel}: unknown option {option!r}")
    fams = list(dict.fromkeys(r["fam"] for r in lines))
    variants = wanted or list(dict.fromkeys(r["variant"] for r in lines))
    body = []
    for v in variants:
        cells = [v]
        for fam in fams:
            found = sorted((r["test_subject"], r["acc"][-1]) for r in lines if r["variant"] == v and r["fam"] == fam)
            if not found:
                cells.append("—")
                continue
            accs = [a for _, a in found]
            cells.append(f"{sum(accs) / len(accs):.1f} (" + ", ".join(f"s{s}: {a:.1f}" for s, a in found) + ")")
        body.append(cells)
    return _table(["variant"] + [f"{fam}: mean (last epoch per test subject)" for fam in fams], body)


def ablation(root: Path, rel: str, *options: str) -> str:
    """A recipe ablation from a study's ``results.csv`` (``benchmarks/ablation.py``): per folder and variant the
    accuracy (mean ± std over folds, each fold averaged over seeds; the std over seeds), then each variant against
    the recipe with the test subject as the unit (mean difference, bootstrap interval, exact sign-flip p). With
    ``base=NAME`` the reference variant is NAME (default: the one ending in ``(recipe)``)."""
    import pandas as pd

    from emoclip_plugin.benchmark.stats import compare
    from emoclip_plugin.benchmark.study import summarise
    folder = _folder(root, rel, ("results.csv", "command.txt"))
    frame = pd.read_csv(folder / "results.csv")
    base = next((o[len("base="):] for o in options if o.startswith("base=")), None)
    table = summarise(frame, ["folder", "variant"])
    labels = list(dict.fromkeys(frame["folder"]))
    variants = list(dict.fromkeys(frame["variant"]))
    body = []
    for name in variants:
        cells = [name]
        for label in labels:
            r = table[(table["folder"] == label) & (table["variant"] == name)]
            cells.append("—" if r.empty else f"{r['accuracy'].iloc[0]:.1f} ± {r['std_folds'].iloc[0]:.1f} (seeds ± "
                                             f"{r['std_seeds'].iloc[0]:.1f}; {r['folds'].iloc[0]} x "
                                             f"{r['seeds'].iloc[0]})")
        body.append(cells)
    out = _table(["variant"] + [f"{label}: accuracy % (folds x seeds)" for label in labels], body)
    reference = base or next((v for v in variants if v.endswith("(recipe)")), None)
    if reference is None:
        return out
    paired = []
    for name in variants:
        if name == reference or name.split(" ")[0] != reference.split(" ")[0]:
            continue
        cells = [f"{name} − {reference}"]
        for label in labels:
            found = compare(frame[frame["folder"] == label], "variant", [(name, reference)], n_boot=10000)
            cells.append("—" if not found else f"{found[0]['mean_diff']:+.1f} [{found[0]['ci_low']:+.1f}, "
                                               f"{found[0]['ci_high']:+.1f}], p {found[0]['p']:.3g} "
                                               f"(n {found[0]['n_subjects']})")
        paired.append(cells)
    return out + "\n\n" + _table(["paired over test subjects"] + labels, paired)


KINDS = {"summary": summary, "comparisons": comparisons, "file": file, "sweep": sweep, "ablation": ablation}


def render(spec: str, root: Path = ROOT) -> str:
    kind, *args = spec.split()
    if kind not in KINDS or not args:
        raise ArtefactError(f"table: {spec!r}: expected one of {', '.join(KINDS)} and an artefact path")
    return KINDS[kind](root, *args)


def regenerate(text: str, root: Path = ROOT) -> tuple[str, list[str]]:
    """``text`` with every marked table regenerated, and the specs of the tables that changed."""
    changed = []

    def one(match: re.Match) -> str:
        body = render(match["spec"], root) + "\n"
        if body != match["body"]:
            changed.append(match["spec"])
        return match.group(1) + body + match.group(4)

    return MARKER.sub(one, text), changed


def pages(root: Path = ROOT) -> list[Path]:
    return [root / "README.md"] + sorted((root / "docs").glob("*.md"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="readme_tables.py", description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a table differs from its artefact")
    p.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    bad = 0
    for page in pages(args.root):
        if not page.is_file():
            continue
        text = page.read_text()
        try:
            new, changed = regenerate(text, args.root)
        except ArtefactError as err:
            print(f"readme_tables.py: error: {page.relative_to(args.root)}: {err}", file=sys.stderr)
            return 2
        n = len(MARKER.findall(text))
        for spec in changed:
            print(f"{page.relative_to(args.root)}: table '{spec}' "
                  + ("differs from its artefact" if args.check else "regenerated"))
        bad += len(changed)
        if changed and not args.check:
            page.write_text(new)
        if n:
            print(f"{page.relative_to(args.root)}: {n} generated table(s), {len(changed)} "
                  + ("differ" if args.check else "rewritten"))
    return 1 if args.check and bad else 0


if __name__ == "__main__":
    sys.exit(main())
