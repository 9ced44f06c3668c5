"""The SEED / SEED-IV benchmark as a library: :func:`run` (everything ``run_all.py`` does), :func:`estimate`,
:func:`model` (a researcher's model), :func:`list_models` (the catalogue), and its layers: presets, the task runner
(local, process pool, Dask), the results store, statistics and the report."""
from .api import BenchmarkError, BenchmarkResult, RunOptions, estimate, model, run
from ..estimators.catalog import model_table
from ..estimators.catalog import list_estimators as list_models

__all__ = ["run", "estimate", "model", "list_models", "model_table", "BenchmarkResult", "BenchmarkError",
           "RunOptions"]
