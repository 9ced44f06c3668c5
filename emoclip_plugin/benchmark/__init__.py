"""The SEED / SEED-IV benchmark: presets, task runner (local, process pool, Dask), results store and report."""
