"""Architecture / recipe sweep of SST-LegoViT on generator-seed-1 tuning folders (never the reported folders).

Pooled leave-one-subject-out, 5 folds per dataset; cross-entropy head (the no-text variant: the text side was shown
not to matter); AdamW + cosine, fixed epochs; per-epoch test-subject accuracy recorded (tuning data only). Runs many
small jobs in parallel processes on one GPU; every finished job is one JSON line in $OUT/sweep.jsonl.
"""
import json, os, sys, time
import multiprocessing as mp
import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
# emoclip_plugin's models and augmentations without the package __init__ (the GPU machine has no TorchEEG)
import types
_root = os.path.join(HERE, "..", "..", "emoclip_plugin")
for _name, _path in (("emoclip_plugin", _root), ("emoclip_plugin.models", os.path.join(_root, "models"))):
    if _name not in sys.modules:
        _mod = types.ModuleType(_name); _mod.__path__ = [_path]; _mod.__package__ = _name
        sys.modules[_name] = _mod
COMPACT = {"d_model": 32, "n_heads": 2, "depths": [1, 1, 1], "conv_hidden": 32, "img_size": 32}
PAPER = {}
RECIPE = {"noise": 0.3, "band_drop": 0.2, "electrode_drop": 0.2, "mixup": 0.4}


def build(name, n_classes):
    from emoclip_plugin.models.sst_legovit import SSTLegoViT
    spec = VARIANTS[name]
    kind = spec.get("kind", "sst")
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(3888, 256), nn.GELU(), nn.Dropout(0.5),
                             nn.Linear(256, n_classes))
    if kind == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(3888, n_classes))
    m = SSTLegoViT(n_outputs=n_classes, **spec.get("model", COMPACT))
    if spec.get("stem_norm") == "none":
        for i, layer in enumerate(m.embed):
            if isinstance(layer, nn.BatchNorm2d):
                m.embed[i] = nn.Identity()
    if spec.get("stem_norm") == "group":
        for i, layer in enumerate(m.embed):
            if isinstance(layer, nn.BatchNorm2d):
                m.embed[i] = nn.GroupNorm(1, layer.num_features)
    if spec.get("band_aware"):  # a learned per-map (band x feature type) embedding added to the stem's tokens
        c = 2 * m.n_bands
        m.map_embed = nn.Parameter(torch.zeros(1, c, 1, m.d_model))
        nn.init.trunc_normal_(m.map_embed, std=0.02)
        def forward_features(x, m=m):
            m._check_input(x)
            b, f, c, h, w = x.shape
            stem = m._resized_conv1(x.reshape(b * f * c, h * w))
            for i, layer in enumerate(m.embed):
                if i > 0:
                    stem = layer(stem)
            tokens = stem.contiguous()
            side = tokens.shape[-1]
            tokens = tokens.flatten(2).transpose(1, 2) + m.spatial_pos
            tokens = (tokens.reshape(b * f, c, -1, m.d_model) + m.map_embed).reshape(b * f * c, -1, m.d_model)
            for blk in m.spatial:
                tokens = blk(tokens, side)
            pooled = m.spatial_pool(tokens.flatten(1)) if m.flatten_pool else tokens.mean(1)
            bands = pooled.reshape(b * f, c, m.d_model) + m.band_pos
            de, psd = bands[:, : m.n_bands], bands[:, m.n_bands:]
            state = de
            for layer in m.spectral:
                state, de, psd = layer(state, de, psd)
            frames = state.mean(1).reshape(b, f, m.d_model) + m.temporal_pos
            for blk in m.temporal:
                frames = blk(frames)
            return m.norm(frames.mean(1))
        m.forward_features = forward_features
    return m


def job(args):
    name, fam, test_subject, default_epochs = args
    torch.set_num_threads(1)
    spec = VARIANTS[name]
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    d = np.load(os.path.join(HERE, f"{fam}.npz"))
    X, y, subj = d["X"].astype(np.float32), d["y"].astype(np.int64), d["subject"]
    if spec.get("input") == "de_only":
        X = X.copy(); X[:, :, X.shape[2] // 2:] = 0
    tr = subj != test_subject
    seed = spec.get("seed", 0)
    torch.manual_seed(seed)
    Xtr, ytr = torch.tensor(X[tr], device=dev), torch.tensor(y[tr], device=dev)
    Xte, yte = torch.tensor(X[~tr], device=dev), torch.tensor(y[~tr], device=dev)
    model = build(name, int(y.max()) + 1).to(dev)
    epochs, bs = spec.get("epochs", default_epochs), spec.get("batch", 32)
    opt = torch.optim.AdamW(model.parameters(), lr=spec.get("lr", 3e-4), weight_decay=spec.get("wd", 0.01),
                            betas=(0.9, 0.98))
    steps = epochs * ((len(Xtr) + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec.get("lr", 3e-4), total_steps=steps,
                                                pct_start=spec.get("warmup", 0.0) or 1e-9, anneal_strategy="cos")
    aug = None
    if spec.get("augment"):
        from emoclip_plugin.augment import GridAugment
        aug = GridAugment.from_param(spec["augment"])
    g = torch.Generator(device=dev).manual_seed(seed)
    smooth = spec.get("smooth", 0.0)
    accs, losses = [], []
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(Xtr), generator=g, device=dev)
        tot = 0.0
        for i in range(0, len(perm), bs):
            idx = perm[i:i + bs]
            xb, yb = Xtr[idx], ytr[idx]
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
                if aug is not None:
                    xb = aug.transform(xb, g)
                    xb, partner, lam = aug.mix(xb, g)
                    out = model(xb).float()
                    loss = lam * nn.functional.cross_entropy(out, yb, label_smoothing=smooth) + (1 - lam) * \
                        nn.functional.cross_entropy(out, yb[partner], label_smoothing=smooth)
                else:
                    loss = nn.functional.cross_entropy(model(xb).float(), yb, label_smoothing=smooth)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach()) * len(idx)
        model.eval()
        with torch.no_grad(), torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
            pred = torch.cat([model(Xte[i:i + 512]).argmax(1) for i in range(0, len(Xte), 512)])
        accs.append(round(100 * float((pred == yte).float().mean()), 1))
        losses.append(round(tot / len(Xtr), 3))
    return {"variant": name, "fam": fam, "test_subject": int(test_subject), "acc": accs, "loss": losses,
            "seconds": round(time.time() - t0, 1)}


EPOCHS = 15
BOTH = {"spatial_pool": "flatten", "band_pool": "flatten"}
BFLAT = {"band_pool": "flatten"}
VARIANTS = {
    "compact_aug": {"augment": RECIPE},
    "compact_bflat_aug": {"model": {**COMPACT, **BFLAT}, "augment": RECIPE},
    "compact_both_aug": {"model": {**COMPACT, **BOTH}, "augment": RECIPE},
    "compact_bflat": {"model": {**COMPACT, **BFLAT}},
    "compact_both": {"model": {**COMPACT, **BOTH}},
    "paper_aug": {"model": PAPER, "lr": 1e-4, "augment": RECIPE},
    "paper_bflat_aug": {"model": BFLAT, "lr": 1e-4, "augment": RECIPE},
    "paper_both_aug": {"model": BOTH, "lr": 1e-4, "augment": RECIPE},
    "paper_both": {"model": BOTH, "lr": 1e-4},
    "d64_110_both_aug": {"model": {"d_model": 64, "depths": [1, 1, 0], "conv_hidden": 64, **BOTH}, "lr": 3e-4,
                         "augment": RECIPE},
    "compact_both_aug_lr1e3": {"model": {**COMPACT, **BOTH}, "augment": RECIPE, "lr": 1e-3},
    "compact_both_aug_wd0.05": {"model": {**COMPACT, **BOTH}, "augment": RECIPE, "wd": 0.05},
    "compact_both_aug_drop": {"model": {**COMPACT, **BOTH, "drop_prob": 0.3, "drop_path": 0.2}, "augment": RECIPE},
    "compact_both_aug_ls": {"model": {**COMPACT, **BOTH}, "augment": RECIPE, "smooth": 0.1},
    "compact_both_aug_nonorm": {"model": {**COMPACT, **BOTH}, "augment": RECIPE, "stem_norm": "none"},
    "mlp": {"kind": "mlp", "lr": 1e-3},
    "linear": {"kind": "linear", "lr": 1e-3, "wd": 0.1},
}

if __name__ == "__main__":
    names = sys.argv[1].split(",") if len(sys.argv) > 1 and sys.argv[1] != "all" else list(VARIANTS)
    procs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    folds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    if len(sys.argv) > 4:
        EPOCHS = int(sys.argv[4])
    out = os.path.join(os.environ.get("OUT", "/tmp"), "sweep.jsonl")
    jobs = [(n, fam, s, EPOCHS) for n in names for fam in ("seed", "seed-iv") for s in range(1, folds + 1)]
    jobs.sort(key=lambda j: (0 if j[0].startswith("paper") else 1, j[2]))  # the long ones first, then by fold
    ctx = mp.get_context("spawn")
    t0 = time.time()
    with ctx.Pool(procs) as pool, open(out, "a") as fh:
        for r in pool.imap_unordered(job, jobs):
            fh.write(json.dumps(r) + "\n"); fh.flush()
            print(f"{time.time() - t0:6.0f}s {r['variant']:22s} {r['fam']:8s} s{r['test_subject']} "
                  f"final {r['acc'][-1]:5.1f} best {max(r['acc']):5.1f} ({r['seconds']}s)", flush=True)
