"""Device-only: raw training-step time of paper-size EmotionCLIP (bf16) for stem layouts and batch sizes."""
import time, numpy as np, torch
from emoclip_plugin.estimators import EmotionCLIPClassifier
rng = np.random.default_rng(0)
X = rng.standard_normal((1024, 4, 12, 9, 9), dtype=np.float32); y = rng.integers(0, 3, len(X))
clf = EmotionCLIPClassifier(max_epochs=1, validation=0, device="cuda", precision="bf16", batch_size=64,
                            text_encoder=".device/tiny-text", random_state=0).fit(X[:256], y[:256])
net = clf.net_
enc = net.module_.encoder
for layout in ("nchw", "channels_last"):
    if layout == "channels_last":
        enc.stem_channels_last = True
        enc.embed.to(memory_format=torch.channels_last)
    for bs in (64, 256):
        xb = torch.from_numpy(X[:bs]).cuda(); yb = torch.from_numpy(y[:bs]).cuda()
        def step():
            net.optimizer_.zero_grad(); net.train_step_single((xb, yb)); net.optimizer_.step()
        for _ in range(5): step()
        torch.cuda.synchronize(); t = time.perf_counter()
        for _ in range(20): step()
        torch.cuda.synchronize(); dt = (time.perf_counter() - t) / 20
        print(f"{layout:14s} batch {bs:4d}: {dt*1e3:6.2f} ms/step = {bs/dt:7,.0f} windows/s", flush=True)
