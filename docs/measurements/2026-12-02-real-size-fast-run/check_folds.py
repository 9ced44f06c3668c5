"""Check that a model's folds, run again on a rewritten folder, equal the committed ones (see continue.sh).

    python docs/measurements/2026-12-02-real-size-fast-run/check_folds.py RUN_DIR MODEL

Compares every committed fold of MODEL (``folds/*__MODEL__*.json``) with the same fold in RUN_DIR/folds: the test
windows, the confusion matrix and the accuracy must be the same. Prints one line per fold and a verdict; exit status
0 when all are equal, 1 otherwise.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(run_dir: str, model: str) -> int:
    committed = sorted((HERE / "folds").glob(f"*__{model}__*.json"))
    if not committed:
        print(f"check_folds.py: no committed folds of {model!r} in {HERE / 'folds'}")
        return 1
    equal = 0
    for path in committed:
        old = json.loads(path.read_text())
        new_path = Path(run_dir) / "folds" / path.name
        if not new_path.exists():
            print(f"{path.name}: not in {run_dir}/folds")
            continue
        new = json.loads(new_path.read_text())
        same = (old["row"]["n_test"] == new["row"]["n_test"] and old["confusion"] == new["confusion"]
                and old["row"]["accuracy"] == new["row"]["accuracy"])
        equal += same
        # at least this many test windows changed their predicted class (cells of the confusion matrix that grew)
        moved = sum(max(b - a, 0) for ra, rb in zip(old["confusion"], new["confusion"]) for a, b in zip(ra, rb))
        print(f"{path.name}: n_test {old['row']['n_test']} -> {new['row']['n_test']}, accuracy "
              f"{old['row']['accuracy']!r} -> {new['row']['accuracy']!r} "
              f"({100 * (new['row']['accuracy'] - old['row']['accuracy']):+.3f} points), confusion "
              f"{'equal' if old['confusion'] == new['confusion'] else f'differs (>= {moved} predictions changed)'}: "
              f"{'same' if same else 'DIFFERENT'}")
    verdict = equal == len(committed)
    print(f"{equal} of {len(committed)} {model} folds the same (test windows, confusion matrix, accuracy): "
          f"{'the rewritten folder gives the committed results' if verdict else 'the folders differ in effect'}")
    return 0 if verdict else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
