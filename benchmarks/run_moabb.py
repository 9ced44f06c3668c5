"""Benchmark EmotionCLIP, DGCNN and a Riemannian baseline through MOABB's evaluations (see ``--help`` and README.md).

Needs the moabb extra: pip install "emoclip-plugin[moabb]" (``make setup`` installs it).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _main() -> int:
    try:
        from emoclip_plugin.moabb.benchmark import main
    except ImportError as err:  # MissingDependencyError names the extra
        print(f"run_moabb.py: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    return main()


if __name__ == "__main__":
    sys.exit(_main())
