import itertools, sys
import numpy as np, pandas as pd
r = pd.read_csv(sys.argv[1])
r = r[r["model"] == "emotionclip"]
print(r.groupby(["folder", "variant"]).size())
counts = r.groupby(["folder", "variant", "test_subject"])["seed"].nunique()
complete = bool((counts == 3).all()) and len(counts) == 12
print("complete (3 seeds x 3 subjects x 2 variants x 2 folders):", complete)
per = r.groupby(["folder", "variant", "test_subject"])["accuracy"].mean().unstack("variant")
print(per)
cols = list(per.columns)
rec = [c for c in cols if "recipe" in c][0]; noaug = [c for c in cols if "augment" in c][0]
d = (per[rec] - per[noaug]).dropna() * 100
print("differences (points):", d.round(2).to_dict())
print("n", len(d), "mean", round(d.mean(), 3))
flips = [np.mean(d.values * np.array(s)) for s in itertools.product([1, -1], repeat=len(d))]
p = np.mean([abs(f) >= abs(d.mean()) - 1e-12 for f in flips])
print("sign-flip p (two-sided)", p)
print("DECISION:", "incomplete" if not complete else ("augmentation stays in RECIPE" if d.mean() >= 0 else "augmentation leaves RECIPE"))
