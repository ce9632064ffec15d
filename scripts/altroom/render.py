#!/usr/bin/env python3
"""altroom: an independent courtroom hearing renderer (no code or modelling shared with
asr/diarize/scene or scripts/hearinggen).

Acoustics: shoebox image-source method (order <= 3, frequency-independent wall absorption from
Sabine), windowed-sinc fractional delays, a diffuse two-band exponentially decaying noise tail
whose energy is the Sabine/Hopkins-Stryker reverberant energy, cardioid mics aimed at their
talker, a talker directivity (−9 dB straight behind), per-channel mic gain, mic self-noise, room
tone, an air conditioner switching on/off, 50 Hz mains hum on some channels.

Usage: python3 scripts/altroom/render.py [--out DIR] [--seed-offset N] [--jfk WAV] [--cache DIR]
                                         [--xtalk | --names] SCENE... | all
SCENE is a letter a-f. Writes DIR/NAME.wav (16 kHz int16, one channel per seat in seat order),
DIR/NAME.truth.json (the project's truth format: segments, events, lines) and DIR/NAME.meta.json
(seats, acoustics, per-utterance annotations); NAME is the scene's name, with _sN for seed
offset N (the same room and seats, another draw of script and noise). --xtalk prints the
crosstalk matrix only, --names the NAMEs only.

Defaults, relative to the repository root: --out var/altroom, --cache var/altroom-cache (espeak-ng
output, resampled), --jfk ../shared/testdata/jfk.wav (needed by scenes b and e, whose witness is
jfk.wav); the environment variables ALTROOM_OUT, ALTROOM_CACHE, ALTROOM_JFK and
ALTROOM_SEED_OFFSET set them too. Needs numpy, scipy and espeak-ng. A render is deterministic for
its scene and seed offset (with the same numpy, scipy and espeak-ng).
"""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
from scipy import signal

SR = 16000
C = 343.0
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repository
CACHE = os.environ.get("ALTROOM_CACHE") or os.path.join(ROOT, "var", "altroom-cache")
JFK = os.environ.get("ALTROOM_JFK") or os.path.join(ROOT, "..", "shared", "testdata", "jfk.wav")
DUR = 180.0

# Calibration: a talker at normal effort has an active-speech RMS of SPEECH_DB dBFS at 1 m on
# axis (an on-axis cardioid at 0.45 m then reads about -29 dBFS before the channel gain).
SPEECH_DB = -36.0

# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------
ZH = {
    "judge": [
        "现在开庭。请法警带被告人到庭。",
        "公诉人，请宣读起诉书。",
        "被告人，你听清楚了吗？",
        "辩护人，你对这份证据有什么意见？",
        "法庭注意到了。请继续发问。",
        "反对有效。公诉人，请换一个问题。",
        "反对无效，被告人可以回答。",
        "下面进行法庭调查，首先由公诉人发问。",
        "请双方围绕争议焦点发表意见，不要重复。",
        "被告人，你还有什么补充的吗？",
        "本案的事实和证据，合议庭会在评议后作出判决。",
        "现在休庭十分钟。",
    ],
    "assoc": [
        "我补充问一句，那天晚上你几点离开的仓库？",
        "这份转账记录的原件在哪里？",
        "请被告人说一下，你和被害人是什么关系。",
        "审判长，我没有其他问题了。",
        "鉴定意见的出具时间是哪一天？",
        "你刚才说的和侦查阶段的供述不一致。",
    ],
    "clerk": [
        "全体起立，请审判长、审判员入庭。",
        "请坐下。报告审判长，当事人已经到庭。",
        "请旁听人员保持安静，关闭手机。",
        "庭审笔录已经记录完毕。",
        "下面宣读法庭纪律。",
    ],
    "pros": [
        "审判长，公诉人现在宣读起诉书。",
        "被告人，二零二三年五月十二日晚上，你在什么地方？",
        "你是否认识这张照片上的人？",
        "请你向法庭说明，这笔五万元的款项是从哪里来的。",
        "公诉人出示第三组证据，是证人的书面证言。",
        "反对！辩护人在诱导被告人。",
        "公诉人认为，本案事实清楚，证据确实充分。",
        "你当时为什么没有报警？",
        "监控录像显示你在十一点零五分进入了仓库。",
        "公诉人没有其他问题了。",
    ],
    "def": [
        "审判长，辩护人有几个问题需要向被告人发问。",
        "你在公安机关的供述是在什么情况下作出的？",
        "反对！公诉人的问题超出了起诉书的范围。",
        "辩护人对这份鉴定意见的真实性有异议。",
        "被告人有自首情节，请法庭予以考虑。",
        "你当时是否知道那些货物是赃物？",
        "这份证据的取得程序不合法，应当排除。",
        "辩护人认为，起诉书指控的数额认定有误。",
        "我的当事人是初犯，而且积极退赔。",
    ],
    "defendant": [
        "听清楚了。",
        "那天晚上我在朋友家吃饭，大概十点钟才走。",
        "我不认识这个人，从来没有见过。",
        "那笔钱是我借来的，是用来还房贷的。",
        "我当时很害怕，所以没有报警。",
        "我承认我去过仓库，但是东西不是我拿的。",
        "我对起诉书指控的事实有异议。",
        "我愿意退还全部的款项。",
        "是的，我在公安局说过，但是那时候我很紧张。",
        "没有补充了，我请求法庭从轻处理。",
    ],
    "witness": [
        "我那天晚上看见一个人从仓库后门出来。",
        "天太黑了，我看不清他的脸。",
        "他穿着一件蓝色的外套，背着一个包。",
        "大概是十一点钟左右，我刚下班回家。",
        "我确定就是这辆车，车牌号我记得。",
        "我和被告人以前在一个工地干过活。",
    ],
    "back": ["嗯。", "嗯嗯。", "对。", "好的。", "是。"],
    "gallery": [
        "你看那个人就是被告吧。",
        "听说这个案子拖了一年多了。",
        "他家里人今天也来了。",
        "等会儿我们去哪里吃饭？",
        "这个律师说得挺有道理的。",
        "我早上七点就出门了，路上堵得厉害。",
    ],
}

EN = {
    "judge": [
        "Please be seated. We are on the record in the matter of the State versus Miller.",
        "Counsel, you may proceed with your direct examination.",
        "The objection is sustained. Please rephrase the question.",
        "Overruled. The witness may answer.",
        "Let's take a short recess of ten minutes.",
        "The jury will disregard the last statement.",
        "Counsel, approach the bench, please.",
        "Does the defense wish to cross-examine this witness?",
        "Please keep your voice up so the jurors can hear you.",
        "All right. Call your next witness.",
        "The exhibit is admitted without objection.",
    ],
    "assoc": [
        "Just to be clear, what time did you leave the building?",
        "Where is the original of that receipt?",
        "I have one question for the witness about the timeline.",
        "Thank you, I have nothing further.",
        "Was that before or after the police arrived?",
    ],
    "clerk": [
        "All rise. The court is now in session, the Honorable Judge Carter presiding.",
        "Please raise your right hand. Do you swear to tell the whole truth?",
        "Exhibit fourteen is marked for identification.",
        "Please state and spell your name for the record.",
        "Case number twenty three, C R, four zero one eight.",
    ],
    "pros": [
        "Where were you on the evening of March the third?",
        "Can you describe what you saw from the window?",
        "I'm showing you what has been marked as exhibit seven. Do you recognize it?",
        "Objection, your honor. Counsel is leading the witness.",
        "How far away were you standing from the car?",
        "What happened next?",
        "No further questions, your honor.",
        "The State would move exhibit seven into evidence.",
        "Objection, hearsay.",
        "Did you speak to anyone after the incident?",
    ],
    "def": [
        "Isn't it true that you had been drinking that night?",
        "You told the detective something different, didn't you?",
        "Objection, your honor, calls for speculation.",
        "How good was the lighting in the parking lot?",
        "Your honor, may I approach the witness?",
        "You never actually saw my client's face, correct?",
        "Objection. Asked and answered.",
        "Nothing further for this witness.",
        "The defense would ask for a sidebar, your honor.",
    ],
    "defendant": [
        "Yes, your honor, I understand.",
        "I was at my sister's house the whole evening.",
        "I didn't take anything from that store.",
        "I've never seen that man before in my life.",
        "No, sir. I wasn't driving that night.",
        "I would like to speak to my attorney first.",
    ],
    "witness": [
        "I saw a man running across the parking lot.",
        "It was around nine thirty, maybe a little later.",
        "He was wearing a dark hooded sweatshirt.",
        "I called nine one one right away.",
        "I'm pretty sure it was the same car.",
        "No, I didn't see his face clearly.",
    ],
    "back": ["Mm-hmm.", "Uh-huh.", "Right.", "Okay.", "Yes."],
    "gallery": [
        "Is that the guy they arrested?",
        "I thought this would be over by lunch.",
        "His mother has been here every single day.",
        "Did you find parking outside?",
        "The lawyer seems pretty sharp, doesn't he?",
        "I have to pick up the kids at three.",
    ],
}


def synth(text, voice, speed, pitch):
    """espeak-ng at its native rate, resampled to 16 kHz float (cached)."""
    os.makedirs(CACHE, exist_ok=True)
    key = hashlib.sha1(f"{text}|{voice}|{speed}|{pitch}".encode()).hexdigest()[:16]
    path = os.path.join(CACHE, key + ".npy")
    if os.path.exists(path):
        return np.load(path)
    tmp = os.path.join(CACHE, "%s.%d" % (key, os.getpid()))  # renders may share the cache
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", tmp + ".wav", text],
                   check=True, capture_output=True)
    x, sr = readwav(tmp + ".wav")
    os.remove(tmp + ".wav")
    g = np.gcd(sr, SR)
    x = signal.resample_poly(x, SR // g, sr // g)
    np.save(tmp + ".npy", x.astype(np.float32))
    os.replace(tmp + ".npy", path)
    return x.astype(np.float32)


def readwav(path):
    import wave
    with wave.open(path, "rb") as w:
        sr, n, ch, sw = w.getframerate(), w.getnframes(), w.getnchannels(), w.getsampwidth()
        b = w.readframes(n)
    assert sw == 2
    x = np.frombuffer(b, dtype="<i2").astype(np.float32) / 32768.0
    return x.reshape(-1, ch)[:, 0], sr


def writewav(path, chans):
    import wave
    x = np.stack(chans, axis=1)
    x = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(x.tobytes())


def active_regions(x, merge=0.5, rel_db=-35.0):
    """Speech regions of a dry signal: 10 ms frames within rel_db of the utterance's loud frames,
    gaps shorter than merge seconds bridged. Returns [(start, end)] in seconds."""
    hop = 160
    n = len(x) // hop
    if n == 0:
        return []
    e = 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    ref = np.percentile(e, 95)
    act = e > max(ref + rel_db, np.percentile(e, 10) + 12)  # above a noisy recording's own floor
    regs = []
    i = 0
    while i < n:
        if act[i]:
            j = i
            while j < n and act[j]:
                j += 1
            regs.append([i * hop / SR, j * hop / SR])
            i = j
        else:
            i += 1
    out = []
    for r in regs:
        if out and r[0] - out[-1][1] < merge:
            out[-1][1] = r[1]
        else:
            out.append(r)
    return [(a, b) for a, b in out if b - a >= 0.08]


def active_rms(x):
    hop = 160
    n = len(x) // hop
    e = np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)
    ref = np.percentile(e, 95)
    a = e[e > ref * 10 ** (-3.5)]
    return np.sqrt(np.mean(a)) if len(a) else 1e-6


def jfk_phrases():
    if not os.path.isfile(JFK):
        sys.exit("altroom: %s not found (the witness of scenes b and e speaks jfk.wav's phrases); "
                 "set ALTROOM_JFK or --jfk, or render the other scenes" % JFK)
    x, sr = readwav(JFK)
    assert sr == SR
    regs = active_regions(x, merge=0.45)
    out = []
    for a, b in regs:
        if b - a > 0.6:
            s, e = max(0, int((a - 0.05) * SR)), min(len(x), int((b + 0.1) * SR))
            out.append(x[s:e].copy())
    return out


# ---------------------------------------------------------------------------------------------
# Room acoustics
# ---------------------------------------------------------------------------------------------
def unit(v):
    v = np.asarray(v, float)
    return v / (np.linalg.norm(v) + 1e-12)


def talker_gain(cos_th, back_db=9.0):
    """Talker directivity (amplitude): 0 dB on axis, -back_db straight behind."""
    return 10 ** (-back_db * (1 - cos_th) / 2 / 20)


_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy 2 renamed np.trapz


def cardioid(cos_th):
    return np.maximum(0.5 + 0.5 * cos_th, 0.03)


class Room:
    def __init__(self, size, rt60, rng, order=3):
        self.L = np.array(size, float)
        self.rt60 = rt60
        Lx, Ly, Lz = self.L
        self.V = Lx * Ly * Lz
        self.S = 2 * (Lx * Ly + Lx * Lz + Ly * Lz)
        self.alpha = min(0.95, 0.161 * self.V / (self.S * rt60))  # Sabine
        self.beta = np.sqrt(1 - self.alpha)
        self.R = self.S * self.alpha / (1 - self.alpha)  # room constant
        self.order = order
        self.rng = rng
        # Mean of the talker's power directivity over the sphere (diffuse field share).
        c = np.linspace(-1, 1, 2001)
        self.talker_mean_pow = _trapezoid(talker_gain(c) ** 2, c) / 2
        self.sinc_half = 16
        n = np.arange(-self.sinc_half, self.sinc_half + 1)
        self._n = n
        self._win = 0.5 + 0.5 * np.cos(np.pi * n / (self.sinc_half + 1))

    def images(self, src):
        out = []
        N = self.order
        for nx in range(-N, N + 1):
            for qx in (0, 1):
                ox = abs(2 * nx - qx)
                if ox > N:
                    continue
                for ny in range(-N, N + 1):
                    for qy in (0, 1):
                        oy = abs(2 * ny - qy)
                        if ox + oy > N:
                            continue
                        for nz in range(-N, N + 1):
                            for qz in (0, 1):
                                oz = abs(2 * nz - qz)
                                o = ox + oy + oz
                                if o > N:
                                    continue
                                q = np.array([qx, qy, qz])
                                n = np.array([nx, ny, nz])
                                pos = 2 * n * self.L + (1 - 2 * q) * src
                                out.append((pos, 1 - 2 * q, o))
        return out

    def ir(self, src, facing, mic, aim, seed, back_db=9.0, length=None):
        """Impulse response from a directional talker at src (facing) to a cardioid at mic (aim).
        Amplitude 1/r (r in m): 1.0 means the level of an on-axis talker at 1 m."""
        src, mic = np.asarray(src, float), np.asarray(mic, float)
        facing, aim = unit(facing), unit(aim)
        d0 = np.linalg.norm(mic - src)
        t0 = d0 / C
        if length is None:
            length = int((t0 + 1.05 * self.rt60 + 0.05) * SR)
        h = np.zeros(length + 64)
        early_energy = 0.0
        for pos, flip, o in self.images(src):
            v = mic - pos
            d = np.linalg.norm(v)
            u = v / d
            # emission direction in the real source's frame: mirror odd-reflection axes
            g_t = talker_gain(np.dot(u * flip, facing), back_db)
            g_m = cardioid(np.dot(-u, aim))
            a = (self.beta ** o) * g_t * g_m / max(d, 0.1)
            tau = d / C * SR
            k = int(np.floor(tau))
            frac = tau - k
            idx = k + self._n
            ok = (idx >= 0) & (idx < len(h))
            h[idx[ok]] += a * (np.sinc(self._n - frac) * self._win)[ok]
            if o > 0:
                early_energy += a * a
        # Diffuse tail: total reverberant energy 16*pi/R (re 1 m direct), times the talker's
        # mean power directivity and a cardioid's 1/3 diffuse pickup.
        e_rev = 16 * np.pi / self.R * self.talker_mean_pow / 3.0
        rng = np.random.default_rng(seed)
        t = np.arange(len(h)) / SR - t0
        tmix = 0.045
        ramp = np.clip((t - 0.005) / (tmix - 0.005), 0, 1)
        ramp = 0.5 - 0.5 * np.cos(np.pi * ramp)
        lo = rng.standard_normal(len(h))
        hi = rng.standard_normal(len(h))
        blo, alo = signal.butter(2, 1800 / (SR / 2))
        lo = signal.lfilter(blo, alo, lo)
        hi = hi - signal.lfilter(blo, alo, hi)
        tt = np.maximum(t, 0)
        env_lo = np.exp(-6.91 * tt / self.rt60)
        env_hi = np.exp(-6.91 * tt / (0.7 * self.rt60))
        tail = (lo * env_lo + 0.6 * hi * env_hi) * ramp * (t > 0)
        # energy of a full exponential from the direct sound, before the ramp
        full = (lo * env_lo + 0.6 * hi * env_hi) * (t > 0)
        tail *= np.sqrt(e_rev / (np.sum(full ** 2) + 1e-12))
        h += tail
        fade = int(0.05 * SR)
        h[-fade:] *= np.linspace(1, 0, fade)
        return h


# ---------------------------------------------------------------------------------------------
# Non-speech sounds (dry, at 1 m)
# ---------------------------------------------------------------------------------------------
def db(x):
    return 10 ** (x / 20)


def norm_rms(x, level_db):
    r = np.sqrt(np.mean(x ** 2)) + 1e-12
    return x * db(level_db) / r


def bandpass(x, f, q):
    b, a = signal.iirpeak(f / (SR / 2), q)
    return signal.lfilter(b, a, x)


def cough(rng):
    bursts = rng.integers(1, 4)
    parts = []
    for _ in range(bursts):
        n = int(rng.uniform(0.14, 0.28) * SR)
        t = np.arange(n) / SR
        env = (1 - np.exp(-t / 0.006)) * np.exp(-t / rng.uniform(0.05, 0.09))
        src = rng.standard_normal(n)
        y = sum(bandpass(src, f * rng.uniform(0.85, 1.15), q) * g
                for f, q, g in ((450, 3, 1.0), (1300, 4, 0.8), (2600, 5, 0.4)))
        # a brief voiced onset
        f0 = rng.uniform(130, 260)
        y = y + 0.4 * np.sign(np.sin(2 * np.pi * f0 * t)) * np.exp(-t / 0.03)
        parts.append(y * env)
        parts.append(np.zeros(int(rng.uniform(0.12, 0.3) * SR)))
    return norm_rms(np.concatenate(parts[:-1]), -31)


def paper(rng):
    n = int(rng.uniform(1.0, 2.5) * SR)
    x = rng.standard_normal(n)
    b, a = signal.butter(2, 1500 / (SR / 2), "high")
    x = signal.lfilter(b, a, x)
    cr = np.zeros(n)
    idx = rng.integers(0, n, int(n / SR * 60))
    cr[idx] = rng.uniform(0.2, 1.0, len(idx))
    env = signal.lfilter([1], [1, -np.exp(-1 / (0.01 * SR))], cr)
    slow = np.abs(signal.lfilter([1], [1, -0.9995], rng.standard_normal(n)))
    env = env + 0.3 * slow / (slow.max() + 1e-9)
    return norm_rms(x * env, -44)


def gavel(rng):
    strikes = rng.integers(1, 4)
    gap = rng.uniform(0.3, 0.45)
    n = int((strikes * gap + 0.3) * SR)
    y = np.zeros(n)
    for s in range(strikes):
        k = int(s * gap * SR)
        m = int(0.25 * SR)
        t = np.arange(m) / SR
        z = np.zeros(m)
        z[:40] = rng.standard_normal(40) * np.exp(-np.arange(40) / 8)
        for f, dec, g in ((780, 0.05, 1.0), (1900, 0.03, 0.7), (3150, 0.02, 0.5), (160, 0.04, 0.8)):
            z += g * np.sin(2 * np.pi * f * rng.uniform(0.97, 1.03) * t) * np.exp(-t / dec)
        y[k:k + m] += z
    return norm_rms(y[: int((strikes - 1) * gap * SR + 0.25 * SR)], -22)


def door(rng):
    nc = int(rng.uniform(0.6, 1.2) * SR)
    t = np.arange(nc) / SR
    rate = 40 + 30 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * t) + rng.uniform(-5, 5)
    ph = np.cumsum(rate) / SR
    pulses = (np.diff(np.floor(ph), prepend=0) > 0).astype(float)
    creak = signal.lfilter([1], [1, -0.6], pulses)
    creak = bandpass(creak, rng.uniform(900, 1600), 2) + 0.5 * bandpass(creak, 2600, 3)
    creak = norm_rms(creak * np.hanning(nc), -40)
    gap = np.zeros(int(rng.uniform(0.3, 0.8) * SR))
    ns = int(0.45 * SR)
    ts = np.arange(ns) / SR
    slam = (np.sin(2 * np.pi * rng.uniform(70, 110) * ts) * np.exp(-ts / 0.08)
            + 0.6 * rng.standard_normal(ns) * np.exp(-ts / 0.025))
    slam = norm_rms(slam, -16)
    return np.concatenate([creak, gap, slam])


def chair(rng):
    n = int(rng.uniform(0.4, 1.0) * SR)
    t = np.arange(n) / SR
    f = np.linspace(rng.uniform(120, 200), rng.uniform(220, 400), n) * (1 + 0.1 * rng.standard_normal(n).cumsum() / np.sqrt(n))
    ph = np.cumsum(np.abs(f)) / SR
    pulses = (np.diff(np.floor(ph), prepend=0) > 0).astype(float) * rng.uniform(0.5, 1.0, n)
    y = signal.lfilter([1], [1, -0.85], pulses)
    y = bandpass(y, rng.uniform(500, 900), 1.5) + 0.3 * bandpass(rng.standard_normal(n), 1200, 1)
    env = np.maximum(np.sin(np.pi * t / t[-1]), 0) ** 0.5
    return norm_rms(y * env, -36)


def phone(rng):
    f1, f2 = [(440, 480), (853, 960), (1209, 1336)][rng.integers(0, 3)]
    seg = []
    cycles = rng.integers(2, 4)
    for _ in range(cycles):
        for _ in range(2):
            n = int(0.4 * SR)
            t = np.arange(n) / SR
            seg.append((np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t)) * np.minimum(1, np.minimum(t, t[-1] - t) / 0.01))
            seg.append(np.zeros(int(0.2 * SR)))
        seg.append(np.zeros(int(0.8 * SR)))
    y = np.concatenate(seg[:-1])
    return norm_rms(y, -32)


def beep(rng):
    n = int(rng.uniform(0.3, 0.4) * SR)
    t = np.arange(n) / SR
    y = np.sin(2 * np.pi * rng.choice([1000, 1500, 2000]) * t) * np.minimum(1, np.minimum(t, t[-1] - t) / 0.005)
    return norm_rms(y, -38)


SOUNDS = {"cough": cough, "paper": paper, "gavel": gavel, "door": door, "chair": chair,
          "phone": phone, "beep": beep}


# ---------------------------------------------------------------------------------------------
# Scenes
# ---------------------------------------------------------------------------------------------
def seat(name, role, mouth, facing, mic_dist, gain_db=0.0, voice=None, effort=0.0, mic_drop=0.25):
    mouth = np.array(mouth, float)
    f = unit([facing[0], facing[1], 0.0])
    mic = mouth + f * mic_dist * np.sqrt(max(0.0, 1 - (mic_drop / mic_dist) ** 2)) if mic_dist > mic_drop else mouth + f * mic_dist * 0.7
    mic = mic.copy()
    mic[2] = mouth[2] - min(mic_drop, 0.7 * mic_dist)
    # keep the mic's distance to the mouth exactly mic_dist
    horiz = np.sqrt(max(mic_dist ** 2 - (mouth[2] - mic[2]) ** 2, 0.01))
    mic[:2] = mouth[:2] + f[:2] * horiz
    return dict(name=name, role=role, mouth=mouth, facing=f, mic=mic, aim=unit(mouth - mic),
                gain_db=gain_db, voice=voice, effort=effort)


def zh_voices(rng, n):
    base = ["cmn+m1", "cmn+f2", "cmn-latn-pinyin+m3", "cmn+f4", "cmn+m4", "cmn-latn-pinyin+f1",
            "cmn+m2", "cmn+f3"]
    rng.shuffle(base)
    return [(v, int(rng.integers(175, 215)), int(rng.integers(30, 70))) for v in base[:n]]


def en_voices(rng, n):
    base = ["en-us+m1", "en-gb+f2", "en-us+m3", "en-us+f4", "en-gb+m2", "en-us+f1", "en-gb+m4",
            "en-us+f3"]
    rng.shuffle(base)
    return [(v, int(rng.integers(150, 180)), int(rng.integers(30, 70))) for v in base[:n]]


def scene_a(variant="a"):
    """zh criminal, 6 seats: presiding + associate judge, clerk, prosecutor, defence, defendant."""
    rng = np.random.default_rng(11 if variant == "a" else 13)
    W, L, H = 12.5, 9.5, 4.2
    cx = W / 2
    if variant == "a":
        sp, md, bd = 0.8, 0.5, 0.5
        clerk_pos = (cx - 2.2, 2.9, 1.2)
        pros_pair = 0.9
    else:  # c: closer seats
        sp, md, bd = 0.56, 0.55, 0.55
        clerk_pos = (cx - 1.2, 2.5, 1.25)
        pros_pair = 0.6
    v = zh_voices(rng, 6)
    seats = [
        seat("judge", "judge", (cx, 1.6, 1.55), (0, 1), bd, 2.0, v[0]),
        seat("associate", "assoc", (cx + sp, 1.6, 1.55), (0, 1), bd, 0.0, v[1]),
        seat("clerk", "clerk", clerk_pos, (0, 1), 0.45, -2.0, v[2]),
        seat("prosecutor", "pros", (2.3, 4.6, 1.2), (1, 0.15), md, 0.0, v[3]),
        seat("defense", "def", (W - 2.3, 4.6, 1.2), (-1, 0.15), md, 3.0, v[4]),
        seat("defendant", "defendant", (cx, 6.4, 1.2), (0, -1), 0.5, -4.0, v[5], effort=-3),
    ]
    if variant == "c":
        # the defendant's dock is next to the defence table
        seats[5] = seat("defendant", "defendant", (W - 2.3 + 0.1, 4.6 + pros_pair, 1.2), (-1, 0.1), 0.5, -4.0, v[5], effort=-3)
    return dict(name=f"{variant}_zh_criminal", lang="zh", seed=1000 + ord(variant), room=(W, L, H), rt60=0.7,
                seats=seats, gallery=((2.0, W - 2.0), (7.4, 9.0)), door=(W - 1.0, L - 0.3, 1.2),
                hum=["clerk", "defense"], desc="zh criminal, 6 seats, RT60 0.7 s" +
                (", closer seats" if variant == "c" else ""))


def scene_b():
    """en trial, 5 seats: judge (+6 dB mic), witness (jfk.wav, -10 dB mic), prosecutor, defense
    and defendant at the same table."""
    rng = np.random.default_rng(22)
    W, L, H = 12.0, 10.0, 4.2
    v = en_voices(rng, 5)
    seats = [
        seat("judge", "judge", (6.0, 1.5, 1.6), (0, 1), 0.5, 6.0, v[0]),
        seat("witness", "witness", (8.2, 2.2, 1.35), (-0.5, 1), 0.45, -10.0, "jfk"),
        seat("prosecutor", "pros", (3.8, 5.0, 1.2), (0.1, -1), 0.5, 0.0, v[2]),
        seat("defense", "def", (7.6, 5.0, 1.2), (-0.1, -1), 0.5, 0.0, v[3]),
        seat("defendant", "defendant", (8.45, 5.0, 1.2), (-0.1, -1), 0.5, 0.0, v[4], effort=-2),
    ]
    return dict(name="b_en_trial", lang="en", seed=2002, room=(W, L, H), rt60=0.8, seats=seats,
                gallery=((2.0, W - 2.0), (7.2, 9.2)), door=(1.0, L - 0.3, 1.2), hum=["witness"],
                recorder=(4.8, 2.3, 1.0), desc="en trial, 5 seats, RT60 0.8 s, witness jfk.wav on a -10 dB mic, judge +6 dB")


def scene_random(letter, seed):
    rng = np.random.default_rng(seed)
    lang = "zh" if letter in ("d", "f") else "en"
    W, L, H = rng.uniform(10, 15), rng.uniform(9, 13), rng.uniform(3.5, 5.0)
    rt60 = float(np.round(rng.uniform(0.4, 1.0), 2))
    nseats = int(rng.integers(5, 8))
    vo = (zh_voices if lang == "zh" else en_voices)(rng, 8)
    cx = W / 2
    seats = []
    njudges = 1 + (nseats >= 6) + (nseats >= 7 and rng.random() < 0.5)
    sp = rng.uniform(0.65, 1.0)
    for k in range(njudges):
        x = cx + (k - (njudges - 1) / 2) * sp
        seats.append(seat(["judge", "associate", "associate2"][k], "judge" if k == 0 else "assoc",
                          (x, 1.5, 1.55), (0, 1), rng.uniform(0.4, 0.55), 0.0, vo[len(seats)]))
    rest = ["clerk", "pros", "def", "defendant", "witness", "pros2"]
    need = nseats - njudges
    roles = rest[:need] if need <= 4 else rest[:need]
    tabley = rng.uniform(4.3, 5.5)
    tsp = rng.uniform(0.6, 1.0)
    for r in roles:
        md = rng.uniform(0.3, 0.6)
        if r == "clerk":
            s = seat("clerk", "clerk", (cx - rng.uniform(1.8, 3.0), 2.8, 1.2), (0, 1), md, 0.0, vo[len(seats)])
        elif r == "pros":
            s = seat("prosecutor", "pros", (cx - 2.5, tabley, 1.2), (0, -1), md, 0.0, vo[len(seats)])
        elif r == "pros2":
            s = seat("co_counsel", "pros", (cx - 2.5 - tsp, tabley, 1.2), (0.1, -1), md, 0.0, vo[len(seats)])
        elif r == "def":
            s = seat("defense", "def", (cx + 2.5, tabley, 1.2), (0, -1), md, 0.0, vo[len(seats)])
        elif r == "defendant":
            s = seat("defendant", "defendant", (cx + 2.5 + tsp, tabley, 1.2), (-0.1, -1), md, 0.0, vo[len(seats)], effort=-2)
        else:
            s = seat("witness", "witness", (cx + rng.uniform(2.0, 3.0), 2.3, 1.35), (-0.5, 1), md, 0.0,
                     "jfk" if lang == "en" else vo[len(seats)])
        seats.append(s)
    # gains: one soft mic, one hot mic, the rest within +-2 dB
    order = rng.permutation(len(seats))
    for i, k in enumerate(order):
        seats[k]["gain_db"] = float(np.round([-rng.uniform(6, 10), rng.uniform(3, 6)][i] if i < 2 else rng.uniform(-2, 2), 1))
    return dict(name=f"{letter}_{lang}_random", lang=lang, seed=seed, room=(W, L, H), rt60=rt60, seats=seats,
                gallery=((2.0, W - 2.0), (tabley + 2.0, min(L - 0.8, tabley + 4.5))), door=(W - 1.0, L - 0.3, 1.2),
                hum=[seats[int(rng.integers(0, len(seats)))]["name"]],
                desc=f"random {lang}, {len(seats)} seats, RT60 {rt60} s, room {W:.1f}x{L:.1f}x{H:.1f} m")


def scenes():
    return {"a": scene_a("a"), "b": scene_b(), "c": scene_a("c"), "d": scene_random("d", 4401),
            "e": scene_random("e", 5502), "f": scene_random("f", 6603)}


# ---------------------------------------------------------------------------------------------
# Script (who says what when)
# ---------------------------------------------------------------------------------------------
ROLE_W = {"judge": 1.0, "assoc": 0.35, "clerk": 0.25, "pros": 1.0, "def": 1.0, "defendant": 0.8, "witness": 1.0}


def neighbour(sc, i):
    best, bd = None, 1e9
    for j, s in enumerate(sc["seats"]):
        if j != i:
            d = np.linalg.norm(s["mouth"][:2] - sc["seats"][i]["mouth"][:2])
            if d < bd:
                best, bd = j, d
    return best if bd <= 1.3 else None


def make_script(sc, rng):
    seats = sc["seats"]
    bank = ZH if sc["lang"] == "zh" else EN
    jfk = jfk_phrases() if any(s["voice"] == "jfk" for s in seats) else []
    names = [s["name"] for s in seats]
    roles = [s["role"] for s in seats]
    utts = []
    t = 2.0 + rng.uniform(0, 1.5)
    prev = None
    asker = None
    counts = np.zeros(len(seats))

    def audio_for(i, text_key):
        s = seats[i]
        if s["voice"] == "jfk":
            k = int(rng.integers(0, len(jfk)))
            return jfk[k], "[jfk.wav phrase %d]" % k
        voice, speed, pitch = s["voice"]
        text = bank[text_key][int(rng.integers(0, len(bank[text_key])))]
        return synth(text, voice, speed + int(rng.integers(-8, 9)), pitch), text

    def add(i, start, kind, key):
        x, text = audio_for(i, key)
        regs = active_regions(x)
        if not regs:
            return None
        x = x / active_rms(x) * db(SPEECH_DB + seats[i]["effort"] + rng.uniform(-2, 2) + (-4 if kind == "backchannel" else 0))
        mode = "normal"
        if kind == "turn":
            r = rng.random()
            nb = neighbour(sc, i)
            if r < 0.12:
                mode = "turned"
            elif r < 0.22 and nb is not None:
                mode = "lean:" + names[nb]
        u = dict(seat=i, start=start, audio=x, text=text, kind=kind, mode=mode,
                 regions=[(start + a, start + b) for a, b in regs])
        # trim the leading silence from the schedule: the utterance starts at its first region
        shift = regs[0][0]
        u["start"] -= shift
        u["regions"] = [(a - shift, b - shift) for a, b in u["regions"]]
        utts.append(u)
        counts[i] += 1
        return u

    role_key = {"judge": "judge", "assoc": "assoc", "clerk": "clerk", "pros": "pros", "def": "def",
                "defendant": "defendant", "witness": "witness"}
    answerers = [i for i, r in enumerate(roles) if r in ("defendant", "witness")]
    counsel = [i for i, r in enumerate(roles) if r in ("pros", "def")]
    # opening by the clerk or judge
    first = roles.index("clerk") if "clerk" in roles else 0
    u = add(first, t, "turn", role_key[roles[first]])
    prev = first
    while True:
        end = u["regions"][-1][1]
        if end > DUR - 4:
            break
        # choose next speaker
        w = np.array([ROLE_W[r] for r in roles], float)
        w[prev] = 0
        if roles[prev] in ("pros", "def"):
            asker = prev
            for k in answerers:
                w[k] *= 4
        elif roles[prev] in ("defendant", "witness") and asker is not None:
            w[asker] *= 4
        w += 0.3 * (counts.max() - counts) / (counts.max() + 1)  # everyone gets some turns
        w[prev] = 0
        nxt = int(rng.choice(len(seats), p=w / w.sum()))
        # objection over an answer
        key = role_key[roles[nxt]]
        dur_prev = end - u["start"]
        if roles[prev] in ("defendant", "witness") and dur_prev > 2.0 and rng.random() < 0.3 and counsel:
            opp = [c for c in counsel if c != asker] or counsel
            nxt = int(rng.choice(opp))
            key = role_key[roles[nxt]]
            start = end - rng.uniform(0.6, 1.6)
            kind = "objection"
        else:
            gap = rng.uniform(0.3, 1.5) if rng.random() > 0.1 else rng.uniform(2.5, 6.0)
            start = end + gap
            kind = "turn"
        # backchannel during a long utterance
        if dur_prev > 2.5 and rng.random() < 0.22:
            cand = [k for k in range(len(seats)) if k != prev]
            bc = asker if asker is not None and asker != prev else int(rng.choice(cand))
            bstart = u["start"] + rng.uniform(0.3, 0.7) * dur_prev
            if seats[bc]["voice"] != "jfk":
                add(bc, bstart, "backchannel", "back")
        if start + 1.0 > DUR - 3:
            break
        nu = add(nxt, start, kind, key)
        if nu is None:
            continue
        if kind == "objection":
            nu["mode"] = "normal"
        u, prev = nu, nxt
    return utts


# ---------------------------------------------------------------------------------------------
# Render
# ---------------------------------------------------------------------------------------------
def colored_noise(rng, n, kind):
    x = rng.standard_normal(n)
    if kind == "pink":
        b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
        a = [1, -2.494956002, 2.017265875, -0.522189400]
        return signal.lfilter(b, a, x)
    if kind == "brown":
        y = signal.lfilter([1], [1, -0.995], x)
        b, a = signal.butter(1, 20 / (SR / 2), "high")
        return signal.lfilter(b, a, y)
    return x


def set_rms(x, level_db):
    return x * db(level_db) / (np.sqrt(np.mean(x ** 2)) + 1e-12)


def crosstalk(sc, room, irs):
    n = len(sc["seats"])
    X = np.zeros((n, n))
    for i in range(n):
        e = [np.sum(irs[("seat", i, "normal")][j] ** 2) for j in range(n)]
        for j in range(n):
            X[i, j] = 10 * np.log10(e[i] / e[j])
    return X


def render(key, outdir, xtalk_only=False, off=0):
    sc = scenes()[key]
    # off: the same layout, another script/noise draw
    if off:
        sc["seed"] += off
        sc["name"] += "_s%d" % off
    rng = np.random.default_rng(sc["seed"])
    room = Room(sc["room"], sc["rt60"], rng)
    seats = sc["seats"]
    n = len(seats)
    N = int(DUR * SR)
    mics = [(s["mic"], s["aim"]) for s in seats]
    irs = {}
    seedc = [sc["seed"] * 1000]

    def get_irs(tag, src, facing, back_db=9.0):
        if tag not in irs:
            hs = []
            for j, (m, a) in enumerate(mics):
                seedc[0] += 1
                hs.append(room.ir(src, facing, m, a, seedc[0], back_db))
            irs[tag] = hs
        return irs[tag]

    for i, s in enumerate(seats):
        get_irs(("seat", i, "normal"), s["mouth"], s["facing"])
    X = crosstalk(sc, room, irs)
    names = [s["name"] for s in seats]
    if xtalk_only:
        print(sc["name"], sc["desc"], "alpha %.2f" % room.alpha)
        print("crosstalk dB (row talker, col mic; acoustic, no gains):")
        print("           " + " ".join("%10s" % x[:10] for x in names))
        for i in range(n):
            print("%10s " % names[i][:10] + " ".join("%10.1f" % X[i, j] if i != j else "%10s" % "-" for j in range(n)))
        return
    utts = make_script(sc, rng)
    out = [np.zeros(N + SR * 2) for _ in range(n)]

    def place(x, start, hs):
        k = int(round(start * SR))
        for j in range(n):
            y = signal.fftconvolve(x, hs[j])
            a, b = max(k, 0), min(k + len(y), len(out[j]))
            if b > a:
                out[j][a:b] += y[a - k:b - k]

    ann = []
    for u in utts:
        i = u["seat"]
        s = seats[i]
        mode = u["mode"]
        if mode == "normal":
            hs = get_irs(("seat", i, "normal"), s["mouth"], s["facing"])
        elif mode == "turned":
            ang = rng.choice([-1, 1]) * rng.uniform(150, 180)
            th = np.deg2rad(round(ang / 15) * 15)
            f = s["facing"]
            fr = np.array([f[0] * np.cos(th) - f[1] * np.sin(th), f[0] * np.sin(th) + f[1] * np.cos(th), 0])
            hs = get_irs(("seat", i, "turned", round(ang / 15)), s["mouth"], fr)
        else:
            nb = names.index(mode.split(":")[1])
            tgt = seats[nb]["mic"]
            p = s["mouth"] + 0.45 * (tgt - s["mouth"])
            p[2] = s["mouth"][2] - 0.08
            hs = get_irs(("seat", i, "lean", nb), p, tgt - p)
        place(u["audio"], u["start"], hs)
        en = [float(np.sum(h ** 2)) for h in hs]
        en_n = [float(np.sum(h ** 2)) for h in irs[("seat", i, "normal")]]
        other = max(en[j] for j in range(n) if j != i)
        ann.append(dict(seat=names[i], start=round(u["regions"][0][0], 3), end=round(u["regions"][-1][1], 3),
                        kind=u["kind"], mode=mode, text=u["text"],
                        own_vs_loudest_other_db=round(10 * np.log10(en[i] / other), 1),
                        mic_db={names[j]: round(10 * np.log10(en[j]), 1) for j in range(n)},
                        own_vs_normal_db=round(10 * np.log10(en[i] / en_n[i]), 1)))

    # gallery murmur: 2-4 quiet talkers, switched on and off
    bank = ZH if sc["lang"] == "zh" else EN
    vo = (zh_voices if sc["lang"] == "zh" else en_voices)(rng, 8)
    events = []
    (gx0, gx1), (gy0, gy1) = sc["gallery"]
    t = rng.uniform(5, 25)
    while t < DUR - 15:
        span = rng.uniform(15, 40)
        e = min(t + span, DUR - 2)
        ntalk = int(rng.integers(2, 5))
        for k in range(ntalk):
            pos = np.array([rng.uniform(gx0, gx1), rng.uniform(gy0, gy1), 1.15])
            fac = unit([np.cos(a := rng.uniform(0, 2 * np.pi)), np.sin(a), 0])
            hs = get_irs(("murmur", round(t), k), pos, fac)
            tt = t + rng.uniform(0, 2)
            voice, speed, pitch = vo[int(rng.integers(0, 8))]
            while tt < e - 1:
                x = synth(bank["gallery"][int(rng.integers(0, len(bank["gallery"])))], voice, speed, pitch)
                x = x[: int((e - tt) * SR)]
                x = x / active_rms(x) * db(SPEECH_DB - 13 + rng.uniform(-3, 2))
                place(x, tt, hs)
                tt += len(x) / SR + rng.uniform(0.3, 2.5)
        events.append(dict(kind="murmur", source="gallery", start=round(t, 3), end=round(e, 3)))
        t = e + rng.uniform(20, 50)

    # non-speech sounds
    kinds = ["cough", "cough", "cough", "paper", "paper", "gavel", "door", "chair", "chair", "phone", "beep", "beep"]
    rng.shuffle(kinds)
    times = np.sort(rng.uniform(6, DUR - 6, len(kinds)))
    for kind, t0 in zip(kinds, times):
        x = SOUNDS[kind](rng)
        if kind == "door":
            src, pos, fac, bd = "door", np.array(sc["door"]), np.array([0, -1, 0]), 3.0
        elif kind == "phone":
            pos = np.array([rng.uniform(gx0, gx1), rng.uniform(gy0, gy1), 0.9])
            src, fac, bd = "gallery", np.array([0, -1, 0]), 0.0
        elif kind == "gavel":
            j = [s["role"] for s in seats].index("judge")
            src, pos, fac, bd = names[j], seats[j]["mouth"] + np.array([0.3, 0.35, -0.4]), np.array([0, 0, 1]), 0.0
        elif kind == "beep":
            if "clerk" in names:
                j = names.index("clerk")
                src, pos = "clerk", seats[j]["mic"] + np.array([0.25, 0.1, -0.1])
            else:
                src, pos = "recorder", np.array(sc.get("recorder", (sc["room"][0] / 2 - 1, 2.2, 1.0)))
            fac, bd = np.array([0, 1, 0]), 6.0
        elif kind == "cough" and rng.random() < 0.4:
            pos = np.array([rng.uniform(gx0, gx1), rng.uniform(gy0, gy1), 1.15])
            src, fac, bd = "gallery", np.array([0, -1, 0]), 6.0
        else:
            j = int(rng.integers(0, n))
            s = seats[j]
            src = names[j]
            if kind == "cough":
                pos, fac, bd = s["mouth"], unit(s["facing"] + np.array([rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5), 0])), 6.0
            elif kind == "paper":
                pos, fac, bd = s["mic"] + np.array([rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), -0.2]), np.array([0, 0, 1]), 0.0
            else:  # chair
                pos, fac, bd = s["mouth"] - s["facing"] * 0.35 + np.array([0, 0, -0.9]), np.array([0, 0, 1]), 0.0
        hs = get_irs(("sound", kind, round(t0, 2)), pos, fac, bd)
        place(x, t0, hs)
        events.append(dict(kind=kind, source=src, start=round(float(t0), 3), end=round(float(t0 + len(x) / SR), 3)))

    # air conditioner: on for 60-100 s, 1-2 s ramps; floor +10-15 dB
    ac_on = rng.uniform(25, 70)
    ac_off = min(ac_on + rng.uniform(60, 100), DUR - 8)
    ramp = rng.uniform(1.0, 2.0)
    rise = rng.uniform(10, 15)
    tone_db = -67.0
    common = colored_noise(rng, N, "pink")
    ac_common = 0.7 * colored_noise(rng, N, "brown") / 30 + colored_noise(rng, N, "pink")
    tt = np.arange(N) / SR
    fan = sum(np.sin(2 * np.pi * f * tt + rng.uniform(0, 6.28)) * g for f, g in ((87.0, 1.0), (174.0, 0.5), (261.0, 0.25)))
    fan *= 1 + 0.1 * np.sin(2 * np.pi * 0.3 * tt)
    env = np.clip((tt - ac_on) / ramp, 0, 1) * np.clip((ac_off + ramp - tt) / ramp, 0, 1)
    events.append(dict(kind="ac_on", source="hvac", start=round(ac_on, 3), end=round(ac_on + ramp, 3)))
    events.append(dict(kind="ac_off", source="hvac", start=round(ac_off, 3), end=round(ac_off + ramp, 3)))
    hum_t = sum(np.sin(2 * np.pi * f * tt) * g for f, g in ((50, 1.0), (100, 0.3), (150, 0.5), (250, 0.15)))
    chans = []
    for j, s in enumerate(seats):
        y = out[j][:N]
        tone = set_rms(0.6 * common + 0.8 * colored_noise(rng, N, "pink"), tone_db)
        acn = set_rms(0.6 * ac_common + 0.8 * colored_noise(rng, N, "pink"), tone_db + rise + rng.uniform(-1, 1) - 0.5)
        acn = acn + set_rms(fan, tone_db + rise - 6)
        y = y + tone + acn * env
        y = y + set_rms(rng.standard_normal(N), -80)  # mic self-noise
        y = y * db(s["gain_db"])
        if s["name"] in sc["hum"]:
            y = y + set_rms(hum_t, -52 + rng.uniform(-4, 4))
        chans.append(y)
    peak = max(np.max(np.abs(c)) for c in chans)
    clipped = [int(np.sum(np.abs(c) >= 1.0)) for c in chans]

    # truth
    segs = []
    for u in utts:
        for a, b in u["regions"]:
            segs.append(dict(seat=names[u["seat"]], start=round(a, 3), end=round(min(b, DUR), 3), overlap=False))
    segs.sort(key=lambda s: (s["start"], s["end"], s["seat"]))
    # merge same-seat segments that touch/overlap
    merged = []
    for s in segs:
        m = next((m for m in reversed(merged) if m["seat"] == s["seat"] and s["start"] <= m["end"] + 0.001), None)
        if m is not None:
            m["end"] = max(m["end"], s["end"])
        else:
            merged.append(s)
    for s in merged:
        s["overlap"] = any(o is not s and o["seat"] != s["seat"] and o["start"] < s["end"] and s["start"] < o["end"] for o in merged)
    lines = [dict(seat=names[u["seat"]], text=u["text"], start=round(u["regions"][0][0], 3),
                  end=round(u["regions"][-1][1], 3)) for u in utts]
    events.sort(key=lambda e: e["start"])
    os.makedirs(outdir, exist_ok=True)
    base = os.path.join(outdir, sc["name"])
    writewav(base + ".wav", chans)
    with open(base + ".truth.json", "w") as f:
        json.dump(dict(segments=merged, events=events, lines=lines), f, ensure_ascii=False, indent=1)
    meta = dict(name=sc["name"], desc=sc["desc"], seats=names, rt60=sc["rt60"], room=list(sc["room"]),
                wall_alpha=room.alpha, hum=sc["hum"], ac=dict(on=ac_on, off=ac_off, ramp=ramp, rise_db=rise),
                gains_db={s["name"]: s["gain_db"] for s in seats},
                mic_dist={s["name"]: round(float(np.linalg.norm(s["mic"] - s["mouth"])), 2) for s in seats},
                crosstalk_db={names[i]: {names[j]: round(float(X[i, j]), 1) for j in range(n) if j != i} for i in range(n)},
                peak=float(peak), clipped_samples=dict(zip(names, clipped)), utterances=ann)
    with open(base + ".meta.json", "w") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    off = X[~np.eye(n, dtype=bool)]
    print("%s: %d seats, %d utterances, %d truth segments (%d overlapping), %d events; crosstalk %.1f..%.1f dB; peak %.2f; clipped %s"
          % (sc["name"], n, len(utts), len(merged), sum(s["overlap"] for s in merged), len(events), off.min(), off.max(), peak, clipped))


def main():
    global CACHE, JFK
    import argparse
    ap = argparse.ArgumentParser(description="Render altroom courtroom hearings (see the module docstring).")
    ap.add_argument("scenes", nargs="+", help="scene letters (%s) or all" % ", ".join(scenes()))
    ap.add_argument("--out", default=os.environ.get("ALTROOM_OUT") or os.path.join(ROOT, "var", "altroom"))
    ap.add_argument("--seed-offset", type=int, default=int(os.environ.get("ALTROOM_SEED_OFFSET") or 0))
    ap.add_argument("--jfk", default=JFK)
    ap.add_argument("--cache", default=CACHE)
    ap.add_argument("--xtalk", action="store_true", help="print the crosstalk matrix only")
    ap.add_argument("--names", action="store_true", help="print each scene's NAME for this seed offset; render nothing")
    a = ap.parse_args()
    CACHE, JFK = a.cache, a.jfk
    keys = list(scenes()) if a.scenes == ["all"] else a.scenes
    bad = [k for k in keys if k not in scenes()]
    if bad:
        ap.error("unknown scene %s (%s or all)" % (", ".join(bad), ", ".join(scenes())))
    for k in keys:
        if a.names:
            print(scenes()[k]["name"] + ("_s%d" % a.seed_offset if a.seed_offset else ""))
        else:
            render(k, a.out, a.xtalk, a.seed_offset)


if __name__ == "__main__":
    main()
