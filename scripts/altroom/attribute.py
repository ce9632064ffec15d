#!/usr/bin/env python3
"""Attribute courtscribe's DER error (10 ms frames, 0.25 s collar as der.Score) to the render's
utterance conditions: lean, turned, normal, backchannel/objection overlap, or no reference speech.

Usage: python3 scripts/altroom/attribute.py var/altroom/NAME [HYP.json]
HYP.json (default NAME.hyp.json) is `courtscribe diarize --seats S --json NAME.wav` output."""
import json, math, sys
base = sys.argv[1]
hypf = sys.argv[2] if len(sys.argv) > 2 else base + ".hyp.json"
t = json.load(open(base + ".truth.json")); m = json.load(open(base + ".meta.json")); h = json.load(open(hypf))
fr = 0.01
end = max([s["end"] for s in t["segments"]] + [s["end"] for s in h["segments"]])
nf = int(math.ceil(end / fr)) + 1
def rng(a, b):
    lo, hi = int(math.ceil(a / fr - 0.5)), int(math.ceil(b / fr - 0.5))
    return max(0, min(lo, nf)), max(0, min(hi, nf))
R = [set() for _ in range(nf)]; H = [set() for _ in range(nf)]; skip = [False] * nf
for s in t["segments"]:
    a, b = rng(s["start"], s["end"])
    for i in range(a, b): R[i].add(s["seat"])
    for x in (s["start"], s["end"]):
        a, b = rng(x - 0.25, x + 0.25)
        for i in range(a, b): skip[i] = True
for s in h["segments"]:
    a, b = rng(s["start"], s["end"])
    for i in range(a, b): H[i].add(s["seat"])
mode = [None] * nf
for u in m["utterances"]:
    a, b = rng(u["start"], u["end"])
    for i in range(a, b):
        lab = u["mode"].split(":")[0] if u["mode"] != "normal" else u["kind"]
        if mode[i] is None or lab in ("lean", "turned"):
            mode[i] = lab
err = {}; ref = 0
for i in range(nf):
    if skip[i]: continue
    r, hh = R[i], H[i]
    ref += len(r)
    e = max(len(r), len(hh)) - len(r & hh)
    if e:
        k = mode[i] if r else "no reference speech"
        if r and len(r) > 1: k = "overlap (2 seats)"
        err[k] = err.get(k, 0) + e
tot = sum(err.values())
print("%s: DER %.2f%%; by condition: %s" % (base.split("/")[-1], 100 * tot / ref, ", ".join("%s %.2f%%" % (k, 100 * v / ref) for k, v in sorted(err.items(), key=lambda x: -x[1]))))
