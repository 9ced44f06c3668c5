export PYTHONUNBUFFERED=1
python3 .device/sweep/sweep.py compact_aug,compact_bflat_aug,compact_both_aug,compact_bflat,compact_both,compact_both_aug_lr1e3,compact_both_aug_wd0.05,compact_both_aug_drop,compact_both_aug_ls,compact_both_aug_nonorm,mlp,linear,d64_110_both_aug 14 5 15 > $OUT/sweep2.txt 2>&1
