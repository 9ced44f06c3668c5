"""Device-only: where does one bf16 training step of paper-size EmotionCLIP spend its time (launch-bound or not)?"""
import sys, time, numpy as np, torch
from emoclip_plugin.estimators import EmotionCLIPClassifier
bs = int(sys.argv[1]) if len(sys.argv) > 1 else 64
rng = np.random.default_rng(0)
X = rng.standard_normal((bs * 40, 4, 12, 9, 9), dtype=np.float32); y = rng.integers(0, 3, len(X))
clf = EmotionCLIPClassifier(max_epochs=1, validation=0, device="cuda", precision="bf16", batch_size=bs,
                            text_encoder=".device/tiny-text", random_state=0).fit(X, y)
net = clf.net_
xb = torch.from_numpy(X[:bs]).cuda(); yb = torch.from_numpy(y[:bs]).cuda()
def step():
    net.optimizer_.zero_grad(); net.train_step_single((xb, yb)); net.optimizer_.step()
for _ in range(5): step()
torch.cuda.synchronize(); t = time.perf_counter()
for _ in range(20): step()
torch.cuda.synchronize(); dt = (time.perf_counter() - t) / 20
print(f"batch {bs}: {dt*1e3:.2f} ms per step = {bs/dt:,.0f} windows/s (raw step, no skorch loop)")
from torch.profiler import profile, ProfilerActivity
with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
    for _ in range(5): step()
    torch.cuda.synchronize()
print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=18, max_name_column_width=60))
