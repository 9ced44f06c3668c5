"""The training pieces shared by every neural estimator: the skorch training loop (:mod:`.net`: augmented / mixup
steps, mixed precision, device-resident batches, warm-up + cosine), the training-batch augmentation
(:mod:`.augment`), devices / precision / GPU workers (:mod:`.devices`), rows of a large array read per batch
(:mod:`.rows`), progress reports while a net trains (:mod:`.progress`) and glibc's malloc settings that keep
freed tensor buffers for reuse on the CPU (:mod:`.allocator`)."""
from .allocator import keep_freed_memory
from .augment import AUGMENT_KEYS, GridAugment
from .devices import PRECISIONS, DeviceError, resolve_device, resolve_precision
from .net import DeviceBatches, RecipeNet, lr_schedule_callback, warmup_cosine
from .progress import TrainingProgress
from .rows import RowDataset, Rows

__all__ = ["RecipeNet", "DeviceBatches", "lr_schedule_callback", "warmup_cosine", "GridAugment", "AUGMENT_KEYS",
           "DeviceError", "PRECISIONS", "resolve_device", "resolve_precision", "Rows", "RowDataset", "TrainingProgress",
           "keep_freed_memory"]
