"""The training loop's recipe pieces on skorch: augmented / mixup training steps, label smoothing, warm-up + cosine.

:class:`RecipeNet` is skorch's ``NeuralNetClassifier`` whose training step augments each batch
(:class:`~emoclip_plugin.augment.GridAugment`) from its own seeded generator, so a fixed seed gives the same run;
evaluation and prediction never augment. :func:`warmup_cosine` is the learning-rate factor per epoch.
"""
from __future__ import annotations

import functools
import math

import torch
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data

from .augment import GridAugment


def warmup_cosine(epoch: int, warmup: int, total: int) -> float:
    """LR factor at ``epoch`` (0-based): linear warm-up over ``warmup`` epochs, then cosine decay to 0 at ``total``."""
    if epoch < warmup:
        return (epoch + 1) / (warmup + 1)
    span = max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(epoch - warmup, span) / span))


def lr_schedule_callback(schedule: str, warmup: int, total: int):
    """skorch ``LRScheduler`` for ``schedule`` in ``{"cosine", "none"}`` with ``warmup`` epochs, or ``None``."""
    from skorch.callbacks import LRScheduler
    if schedule == "none" and not warmup:
        return None
    if schedule == "none":
        factor = functools.partial(_warmup_only, warmup=int(warmup))
    else:
        factor = functools.partial(warmup_cosine, warmup=int(warmup), total=int(total))
    return LRScheduler(policy=torch.optim.lr_scheduler.LambdaLR, lr_lambda=factor)


def _warmup_only(epoch: int, warmup: int) -> float:
    return min(1.0, (epoch + 1) / (warmup + 1))


class RecipeNet(NeuralNetClassifier):
    """``NeuralNetClassifier`` whose training batches go through ``augment`` (noise, dropouts, then mixup).

    Parameters (besides skorch's)
    -----------------------------
    augment : GridAugment
        The augmentations; inactive -> plain skorch training.
    augment_seed : int
        Seed of the augmentation generator (set by the estimator from its ``random_state``).
    """

    def __init__(self, *args, augment: GridAugment | None = None, augment_seed: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.augment = augment
        self.augment_seed = augment_seed

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.augment_generator_ = torch.Generator().manual_seed(int(self.augment_seed))

    def train_step_single(self, batch, **fit_params):
        augment = self.augment
        if augment is None or not augment.active:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        Xi = augment.transform(Xi.to(self.device), self.augment_generator_)
        Xi, partner, lam = augment.mix(Xi, self.augment_generator_)
        y_pred = self.infer(Xi, **fit_params)
        yi = yi.to(y_pred.device)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        if lam < 1.0:
            loss = lam * loss + (1 - lam) * self.get_loss(y_pred, yi[partner], X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}
