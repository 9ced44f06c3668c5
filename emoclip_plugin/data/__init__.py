"""Data layer: SEED-format folders (writer and TorchEEG loaders) and fast, vectorised features."""
