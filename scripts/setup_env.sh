#!/usr/bin/env bash
# Build a working environment for emoclip-plugin on a fresh Linux machine (Python >= 3.10).
#
# Installs into the active virtual environment, or creates/uses `.venv/` at the repository root.
# Order matters (see ../shared/docs/upstream-facts.md):
#   1. torch 2.14.1 + torchaudio 2.11.0 (braindecode imports torchaudio at import time and needs this pair)
#   2. this package with its dependencies (and extras dev, dask, moabb)
#   3. torcheeg==1.1.3 with --no-deps (its scipy<=1.10.1 pin is stale and makes pip's resolver fail)
#   4. torch-scatter, built against the installed torch (needed by `import torcheeg.models`); the built wheel is cached
#      under a key that includes the torch version, because pip's own wheel cache would silently reuse a wheel built
#      against another torch.
# Re-running is cheap: a stamp file records the inputs of the last successful run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TORCH_VERSION="${EMOCLIP_TORCH_VERSION:-2.14.1}"
TORCHAUDIO_VERSION="${EMOCLIP_TORCHAUDIO_VERSION:-2.11.0}"
TORCHEEG_VERSION="1.1.3"
TORCH_SCATTER_VERSION="2.1.2"

if [[ -n "${VIRTUAL_ENV:-}" ]]; then
    VENV="$VIRTUAL_ENV"
else
    VENV="$ROOT/.venv"
    if [[ ! -x "$VENV/bin/python" ]]; then
        echo "[setup] creating virtual environment $VENV"
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
fi
PY="$VENV/bin/python"

STAMP="$VENV/.emoclip-setup-stamp"
KEY="$( { cat "$ROOT/pyproject.toml" "$ROOT/scripts/setup_env.sh"; echo "$TORCH_VERSION $TORCHAUDIO_VERSION"; } | sha256sum | cut -c1-16)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$KEY" ]] && "$PY" -c "import emoclip_plugin, torcheeg.models, braindecode, skorch, moabb" 2>/dev/null; then
    echo "[setup] environment $VENV is up to date"
    exit 0
fi
rm -f "$STAMP"

PIP=("$PY" -m pip)
"${PIP[@]}" install -q --upgrade pip setuptools wheel

echo "[setup] 1/4 torch==$TORCH_VERSION torchaudio==$TORCHAUDIO_VERSION"
"${PIP[@]}" install -q "torch==$TORCH_VERSION" "torchaudio==$TORCHAUDIO_VERSION"

echo "[setup] 2/4 emoclip-plugin and its dependencies"
"${PIP[@]}" install -q -e "$ROOT[dev,dask,moabb]" "torch==$TORCH_VERSION" "torchaudio==$TORCHAUDIO_VERSION"

echo "[setup] 3/4 torcheeg==$TORCHEEG_VERSION (--no-deps)"
"${PIP[@]}" install -q --no-deps "torcheeg==$TORCHEEG_VERSION"

echo "[setup] 4/4 torch-scatter==$TORCH_SCATTER_VERSION built against torch $TORCH_VERSION"
if ! "$PY" -c "import torch_scatter" 2>/dev/null; then
    CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/emoclip-plugin/wheels/torch-$TORCH_VERSION-py$("$PY" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"
    mkdir -p "$CACHE"
    if ! ls "$CACHE"/torch_scatter-"$TORCH_SCATTER_VERSION"-*.whl >/dev/null 2>&1; then
        echo "[setup]     building torch-scatter from source (about 6 minutes on 2 cores)"
        TMPW="$(mktemp -d)"
        "${PIP[@]}" wheel -q --no-build-isolation --no-deps --no-cache-dir -w "$TMPW" "torch-scatter==$TORCH_SCATTER_VERSION"
        mv "$TMPW"/torch_scatter-*.whl "$CACHE"/
        rm -rf "$TMPW"
    fi
    "${PIP[@]}" install -q --no-deps --force-reinstall "$CACHE"/torch_scatter-"$TORCH_SCATTER_VERSION"-*.whl
fi

echo "[setup] checking imports"
"$PY" - <<'PYEOF'
import torch, torchaudio, torch_scatter, braindecode, skorch, transformers, sklearn, scipy, numpy
import torcheeg, torcheeg.datasets, torcheeg.models, torcheeg.model_selection
import emoclip_plugin, moabb, pyriemann
print(f"[setup] ok: torch {torch.__version__}, torcheeg {torcheeg.__version__ if hasattr(torcheeg, '__version__') else '1.1.3'}, "
      f"braindecode {braindecode.__version__}, skorch {skorch.__version__}, transformers {transformers.__version__}, "
      f"scikit-learn {sklearn.__version__}, numpy {numpy.__version__}, scipy {scipy.__version__}, moabb {moabb.__version__}")
PYEOF
echo "$KEY" > "$STAMP"
