#!/usr/bin/env python3
"""Sanity checks of a render: per truth segment, the loudest channel and level over the floor;
alignment of truth onsets with energy onsets on the own channel.

Usage: python3 scripts/altroom/check.py var/altroom/NAME   (reads NAME.wav, .truth.json, .meta.json)"""
import json, sys, wave
import numpy as np
base = sys.argv[1]
m = json.load(open(base + ".meta.json")); t = json.load(open(base + ".truth.json"))
with wave.open(base + ".wav") as w:
    sr, nc = w.getframerate(), w.getnchannels()
    x = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, nc).astype(float) / 32768
print("rate", sr, "channels", nc, "seats", m["seats"], "dur", len(x) / sr)
hop = 160
n = len(x) // hop
e = 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop, nc) ** 2, axis=1) + 1e-12)
floor = np.percentile(e, 5, axis=0)
print("floor dBFS", np.round(floor, 1))
ok = 0; tot = 0; lags = []
for s in t["segments"]:
    if s["overlap"]:
        continue
    a, b = int(s["start"] * 100), int(s["end"] * 100)
    lvl = np.mean(10 ** (e[a:b] / 10), axis=0)
    lv = 10 * np.log10(lvl)
    j = m["seats"].index(s["seat"])
    tot += 1; ok += int(np.argmax(lv) == j)
    # onset lag: first frame within 15 dB of the segment's max on own channel
    seg = e[max(a - 50, 0):b, j]
    k = np.argmax(seg > seg.max() - 20)
    lags.append((k - min(50, a)) / 100)
print("non-overlap segments where own channel is loudest: %d/%d" % (ok, tot))
print("onset lag (s) own channel energy vs truth start: median %.3f, min %.3f, max %.3f" % (np.median(lags), min(lags), max(lags)))
