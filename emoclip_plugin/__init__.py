"""emoclip-plugin: EmotionCLIP for TorchEEG / braindecode / skorch."""
__version__ = "0.1.0"
