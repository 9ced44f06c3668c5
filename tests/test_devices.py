"""Devices and precision, GPU workers for --jobs and Dask, the run-time estimate, and the GPU-side training pieces that
can be checked on the CPU (device-resident batches, the fp16 gradient scaler, the fused resize + convolution stem).

The checks that need a real GPU are in ``benchmarks/gpu_check.py``."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from emoclip_plugin.benchmark.estimate import Rates, epoch_bounds, fold_seconds, seed_windows_per_session
from emoclip_plugin.training.devices import (DeviceError, describe, peak_tflops, pool_initializer, resolve_device,
                                    resolve_precision, task_device, threads_per_worker, worker_devices)

TINY = dict(d_model=16, n_heads=2, depths=(1, 1, 1), conv_hidden=16, img_size=16)


def test_resolve_device_and_precision_on_a_cpu_host(cpu_host):
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    for bad, message in (("cuda", "cpu only"), ("cuda:1", "cpu only"), ("tpu", "expected 'auto'"),
                         ("cuda:x", "expected 'auto'")):
        with pytest.raises(DeviceError, match=message):
            resolve_device(bad)
    assert resolve_precision("auto", "cpu") == "32"
    assert resolve_precision("bf16", "cpu") == "bf16"
    with pytest.raises(DeviceError, match="'16-mixed' needs a CUDA device"):
        resolve_precision("16-mixed", "cpu")
    with pytest.raises(DeviceError, match="expected 'auto' or one of 32, bf16, 16-mixed"):
        resolve_precision("fp8", "cpu")
    info = describe("cpu")
    assert info["device"] == "cpu" and info["device_name"].startswith("CPU") and info["torch"] == torch.__version__
    assert peak_tflops("NVIDIA H100 80GB HBM3", "bf16") == 989.0 and peak_tflops("CPU (x)", "32") is None


def test_worker_devices_round_robin_and_threads():
    assert worker_devices(4, "cuda", 2) == ["cuda:0", "cuda:1", "cuda:0", "cuda:1"]
    assert worker_devices(3, "cuda", 8) == ["cuda:0", "cuda:1", "cuda:2"]
    assert worker_devices(2, "cuda:1", 4) == ["cuda:1", "cuda:1"]  # an explicit device is kept
    assert worker_devices(2, "cpu", 0) == ["cpu", "cpu"]
    assert threads_per_worker(4, cores=16) == 4 and threads_per_worker(3, cores=2) == 1
    with pytest.raises(ValueError):
        worker_devices(0, "cuda", 1)


_BARRIER = None


def _init_worker(queue, barrier):
    global _BARRIER
    pool_initializer(queue)
    _BARRIER = barrier


def _report_device(_):
    # Two tasks meet at the barrier, so each pair runs on both workers: one worker cannot take every task however
    # slowly the other one starts (a sleep here was not enough on a loaded machine).
    _BARRIER.wait(timeout=120)
    return task_device("cuda"), task_device("cpu")


def test_each_pool_worker_gets_its_own_gpu():
    """The --jobs pool: every worker takes one device from the queue; a task on generic 'cuda' runs on it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    context = multiprocessing.get_context("spawn")
    queue, barrier = context.Queue(), context.Barrier(2)
    for device in worker_devices(2, "cuda", 2):
        queue.put(device)
    with ProcessPoolExecutor(2, mp_context=context, initializer=_init_worker, initargs=(queue, barrier)) as pool:
        seen = list(pool.map(_report_device, range(4)))
    assert {s[0] for s in seen} == {"cuda:0", "cuda:1"} and {s[1] for s in seen} == {"cpu"}
    assert task_device("cuda") == "cuda"  # the main process has no worker device


def _task(model: str, device: str, name: str):
    from emoclip_plugin.benchmark.runner import Task
    from emoclip_plugin.benchmark.protocols import Fold
    fold = Fold(protocol="cross-subject", name=name, test_subject=1, test_session=None, train_session=None,
                train=np.arange(4), test=np.arange(4, 6))
    return Task(task_id=name, dataset="seed", data="synthetic", protocol="cross-subject", preset="smoke", model=model,
                seed=0, fold=fold, groups=np.zeros(4), data_dir="", params={}, refit=True, features={}, n_classes=3,
                cross_subject="pooled", shots=0, calibration="trials", test_best_epoch=False, threads=1,
                config_hash=name, device=device)


def test_dask_gpu_tasks_ask_for_the_gpu_resource(monkeypatch):
    """On a cluster whose worker declares GPU=1 (two threads), neural CUDA tasks run one at a time; others do not
    ask for the resource."""
    distributed = pytest.importorskip("distributed")  # noqa: F841 - the dask extra is part of the documented install
    from distributed import LocalCluster

    from emoclip_plugin.benchmark import runner

    def fake_run_task(task, validation, verbose):
        start = time.perf_counter()
        time.sleep(0.4)
        return {"row": {"start": start, "end": time.perf_counter()}}

    monkeypatch.setattr(runner, "run_task", fake_run_task)
    tasks = [_task("dgcnn", "cuda", f"gpu{i}") for i in range(3)] + [_task("de_logreg", "cuda", f"cpu{i}")
                                                                      for i in range(2)]
    assert [runner.needs_gpu(t) for t in tasks] == [True] * 3 + [False] * 2
    assert not runner.needs_gpu(_task("dgcnn", "cpu", "x"))
    done = {}
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None,
                      resources={"GPU": 1}) as cluster:
        runner.execute(tasks, lambda t, r: done.__setitem__(t.task_id, r["row"]),
                       lambda t, e: pytest.fail(f"{t.task_id}: {e}"), scheduler=cluster.scheduler_address)
    spans = sorted((done[f"gpu{i}"]["start"], done[f"gpu{i}"]["end"]) for i in range(3))
    assert all(later[0] >= earlier[1] - 1e-3 for earlier, later in zip(spans, spans[1:]))  # never two at once
    assert set(done) == {t.task_id for t in tasks}


def test_projection_arithmetic():
    rates = Rates(train_s_per_window=0.01, eval_s_per_window=0.001)
    bounds = epoch_bounds({"max_epochs": 10, "patience": 3}, 0.2, refit=True)
    assert bounds["select"] == (4, 10) and bounds["refit"] == (1, 10)
    low, high = fold_seconds(rates, n_fit=100, n_test=50, bounds=bounds, validation=0.2)
    # low: 4 selection epochs on 80 rows + 1 refit epoch on 100 rows; 4 validation passes on 20 rows + the test
    assert low == pytest.approx((4 * 80 + 100) * 0.01 + (4 * 20 + 50) * 0.001)
    assert high == pytest.approx((10 * 80 + 10 * 100) * 0.01 + (10 * 20 + 50) * 0.001)
    no_split = epoch_bounds({"max_epochs": 5, "patience": 2}, 0.0, refit=True)
    assert fold_seconds(rates, 100, 50, no_split, 0.0) == pytest.approx((5 * 100 * 0.01 + 0.05,) * 2)
    assert fold_seconds(rates, 100, 50, None, 0.0) == pytest.approx((1.0 + 0.05,) * 2)  # one fit
    assert seed_windows_per_session() == 1657  # SEED's 15 clips, 5-s baseline dropped, 2-s windows


def test_device_batches_cover_every_row_once():
    from emoclip_plugin.training import DeviceBatches
    X, y = torch.arange(10.0).reshape(10, 1), torch.arange(10)
    torch.manual_seed(0)
    batches = list(DeviceBatches(X, y, 4, shuffle=True))
    assert [len(b[0]) for b in batches] == [4, 4, 2] and len(DeviceBatches(X, y, 4)) == 3
    seen = torch.cat([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert all(torch.equal(b[0][:, 0].long(), b[1]) for b in batches)  # rows stay with their labels
    plain = list(DeviceBatches(X, None, 4))
    assert torch.equal(torch.cat([b[0] for b in plain]), X) and plain[0][1] is None


def _grids(n=48, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = (rng.standard_normal((n, 4, 12, 9, 9)) + 0.5 * y[:, None, None, None, None]).astype(np.float32)
    return X, y


def test_resident_batches_and_fp16_scaler_train_on_cpu():
    """RecipeNet's GPU paths run on the CPU too: arrays moved once and batched there (freed after the fit), and
    fp16 autocast with a gradient scaler whose unscaled gradients reach gradient clipping."""
    from skorch.callbacks import GradientNormClipping

    from emoclip_plugin.models import SSTLegoViT
    from emoclip_plugin.training import RecipeNet
    X, y = _grids()
    torch.manual_seed(0)
    net = RecipeNet(SSTLegoViT(n_outputs=3, **TINY), criterion=torch.nn.CrossEntropyLoss, max_epochs=2,
                    batch_size=16, train_split=None, device="cpu", resident=True, optimizer=torch.optim.AdamW,
                    lr=1e-3, verbose=0, iterator_valid__batch_size=4)
    net.fit(X, y)
    assert len(net.history[-1]["batches"]) == 3 and net._resident_cache == {}
    for _ in range(3):  # repeated predictions (as a per-epoch callback makes) keep one device copy, not one per call
        net.predict(X[:10])
    assert list(net._resident_cache) == ["eval"] and len(net._resident_cache["eval"][1]) == 10
    from skorch.dataset import Dataset
    assert [len(b[0]) for b in net.get_iterator(Dataset(X[:10], None), training=False)] == [4, 4, 2]  # skorch's
    # iterator_valid__batch_size (the estimators' eval_batch_size) sets the evaluation batches
    torch.manual_seed(0)
    net = RecipeNet(SSTLegoViT(n_outputs=3, **TINY), criterion=torch.nn.CrossEntropyLoss, max_epochs=2,
                    batch_size=16, train_split=None, device="cpu", precision="16-mixed", optimizer=torch.optim.AdamW,
                    callbacks=[("clip", GradientNormClipping(1.0))], lr=1e-3, verbose=0)
    net.fit(X, y)
    assert net.scaler_ is not None and net.scaler_.get_scale() > 1
    assert np.isfinite([h["train_loss"] for h in net.history]).all()


def test_resolve_device_and_precision_on_a_gpu_host(gpu_host):
    assert resolve_device("auto") == "cuda" and resolve_device("cuda:1") == "cuda:1"
    with pytest.raises(DeviceError, match="cpu and 2 CUDA device\\(s\\): cuda:0 NVIDIA H100"):
        resolve_device("cuda:2")
    assert resolve_precision("auto", "cuda") == "bf16" and resolve_precision("16-mixed", "cuda:1") == "16-mixed"
    assert resolve_precision("auto", "cpu") == "32"


def test_estimator_precision_eval_batch_and_errors(cpu_host):
    from emoclip_plugin.estimators import SSTLegoViTClassifier
    X, y = _grids()
    clf = SSTLegoViTClassifier(module_kwargs=TINY, max_epochs=2, validation=0, precision="bf16", eval_batch_size=20,
                               random_state=0).fit(X, y)
    assert clf.precision_ == "bf16" and clf.device_ == "cpu"
    proba = clf.predict_proba(X)
    assert np.allclose(proba.sum(1), 1, atol=1e-5)
    assert np.allclose(clf.predict_proba(X[5:9]), proba[5:9], atol=1e-6)  # chunked, padded: subset invariant
    assert SSTLegoViTClassifier(module_kwargs=TINY, max_epochs=1, validation=0, random_state=0).fit(X, y) \
        .precision_ == "32"  # auto on the CPU
    for params, message in (({"precision": "16-mixed"}, "needs a CUDA device"), ({"device": "cuda"}, "cpu only"),
                            ({"precision": "fp8"}, "precision='fp8'"), ({"eval_batch_size": 0}, "eval_batch_size"),
                            ({"compile": "yes"}, "compile")):
        with pytest.raises(ValueError, match=message):
            SSTLegoViTClassifier(module_kwargs=TINY, max_epochs=1, **params).fit(X, y)


def test_fused_resize_stem_equals_interpolate_then_convolve():
    from emoclip_plugin.models import SSTLegoViT
    torch.manual_seed(0)
    for kwargs in (TINY, {}):
        model = SSTLegoViT(n_outputs=3, **kwargs).eval()
        maps = torch.randn(24, 1, 9, 9)
        upsampled = F.interpolate(maps, size=(model.img_size,) * 2, mode="bicubic", align_corners=False)
        reference = model.embed[0](upsampled)
        fused = model._resized_conv1(maps.reshape(24, 81))
        assert fused.shape == reference.shape
        assert torch.allclose(fused, reference, atol=1e-5)
    assert "resize_operator" not in model.state_dict()  # rebuilt from the sizes, not saved
    x = torch.randn(3, 4, 12, 9, 9)
    plain = SSTLegoViT(n_outputs=3, **TINY).eval()
    last = SSTLegoViT(n_outputs=3, stem_channels_last=True, **TINY).eval()
    last.load_state_dict(plain.state_dict())
    with torch.no_grad():
        assert torch.allclose(plain(x), last(x), atol=1e-5)


def test_make_estimator_carries_device_precision_and_gpu_eval_batch(monkeypatch):
    from emoclip_plugin.training import devices
    from emoclip_plugin.benchmark.runner import GPU_EVAL_BATCH, make_estimator
    task = _task("emotionclip", "cuda", "t")
    est = make_estimator(task)
    assert est.get_params()["device"] == "cuda" and est.get_params()["eval_batch_size"] == GPU_EVAL_BATCH
    monkeypatch.setattr(devices, "_WORKER_DEVICE", "cuda:1")  # inside a --jobs worker given the second GPU
    assert make_estimator(task).get_params()["device"] == "cuda:1"
    cpu = make_estimator(_task("emotionclip", "cpu", "c"))
    assert cpu.get_params()["device"] == "cpu" and cpu.get_params()["eval_batch_size"] is None
    assert "device" not in make_estimator(_task("de_logreg", "cuda", "l")).get_params()  # scikit-learn: the CPU
