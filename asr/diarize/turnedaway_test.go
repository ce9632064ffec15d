package diarize_test

import "context"
import "os/exec"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// turnedBench is a panel of three and the seats below it in a reverberant room (a courtroom
// drawn by `hearinggen random`, seed 503: RT60 0.96 s, the associate 0.94 m from the presiding
// judge), in espeak-ng's Mandarin voices. Its script: the judge and the associate each speak
// upright twice, so each learns where its talker sits; then the judge turns 146° away from
// their own mic, towards the associate, and speaks.
const turnedBench = `{
  "name": "turned-bench", "seed": 503, "noise_dbfs": -63, "hum_dbfs": -64.8, "elec_dbfs": -80,
  "lead_in": 1, "tail": 1.5, "room": {"size": [9.4, 9.8, 3.9], "rt60": 0.96},
  "seats": [
    {"name": "judge", "voice": "cmn-latn-pinyin+f4", "pitch": 56, "speed": 158, "level_db": -3, "pos": [8.2, 4.9, 1.55], "facing": 188, "mic_dist": 0.61},
    {"name": "associate", "voice": "cmn-latn-pinyin+f2", "pitch": 55, "speed": 160, "level_db": -0.4, "pos": [8.2, 5.84, 1.55], "facing": 186, "mic_dist": 0.6},
    {"name": "associate2", "voice": "cmn-latn-pinyin+m1", "pitch": 54, "speed": 155, "level_db": -3, "pos": [8.2, 3.96, 1.55], "facing": 183, "mic_dist": 0.47},
    {"name": "clerk", "voice": "cmn-latn-pinyin+m5", "pitch": 34, "speed": 152, "level_db": 0.5, "gain_db": 9, "pos": [7, 5.33, 1.15], "facing": 189, "mic_dist": 0.37},
    {"name": "witness", "voice": "cmn-latn-pinyin+m3", "pitch": 54, "speed": 153, "level_db": -5.4, "gain_db": -10, "pos": [7.2, 8.6, 1.35], "facing": 152, "mic_dist": 0.43},
    {"name": "prosecutor", "voice": "cmn-latn-pinyin+f5", "pitch": 60, "speed": 156, "level_db": -1.8, "pos": [3.47, 1.4, 1.2], "facing": 71, "mic_dist": 0.64},
    {"name": "defense", "voice": "cmn-latn-pinyin+f2", "pitch": 68, "speed": 153, "level_db": -1.7, "pos": [3.47, 8.4, 1.2], "facing": 303, "mic_dist": 0.41}
  ],
  "script": [
    {"seat": "judge", "text": "ta1 shi4 wo3 de0 lao3 ban3, wo3 zai4 ta1 de0 gong1 si1 gong1 zuo4 le0 liang3 nian2.", "gap": 0.4},
    {"seat": "associate", "text": "ni3 zhi1 dao4 bei4 gao4 ren2 na4 tian1 wan3 shang4 zai4 na3 li3 ma0?", "gap": 0.6},
    {"seat": "judge", "text": "wo3 yi3 jing1 huan2 le0 liang3 wan4, sheng4 xia4 de0 wo3 yuan4 yi4 fen1 qi1 chang2 huan2.", "gap": 0.7},
    {"seat": "associate", "text": "hao3. xian4 zai4 xiu1 ting2, ping2 yi4 hou4 xuan1 pan4.", "gap": 0.6},
    {"seat": "judge", "text": "ni3 zui4 hou4 yi1 ci4 jian4 dao4 ta1 shi4 shen2 me0 shi2 hou4?", "gap": 0.8, "turn": -146}
  ]
}`

// TestTalkerTurnedToTheNeighbourKeepsTheSeat: the judge of turnedBench, turned towards the
// associate, is heard 2–5 dB louder on the associate's mic (now in front of them) than on
// their own (behind them). Their own mic still hears the voice 21 samples first, the lead of
// the judge's voice learned at that mic, but the reverberant sound correlates at only
// 0.45–0.65 between the two mics, under stage 7's and stage 19's 0.75. Stage 24 takes the
// judge's learned lead matched to a sample at that lower correlation: the associate's run
// starts no turn, and what the associate's mic hears of the voice is the judge's (stage 19's
// lean). Without stage 24 the associate took 1.25 s of the line and the judge kept 2.34 s of
// 3.70; with only its stage 7 rule, the associate none and the judge still 2.34 s.
func TestTalkerTurnedToTheNeighbourKeepsTheSeat(t *testing.T) {
	keepsTheLine(t, turnedBench, "judge", "associate", 0.8)
}

// keepsTheLine renders a room scene and checks that the talker's seat covers at least share of
// the script's last line and the other seat at most 0.2 s of it.
func keepsTheLine(t *testing.T, js, talker, other string, share float64) {
	t.Helper()
	line, segs := lastLine(t, js)
	got, stolen := cover(segs, line, talker), cover(segs, line, other)
	if long := line.End - line.Start; got < share*long || stolen > 0.2 {
		t.Errorf("the %s's last line (%.2f s): %s %.2f s, %s %.2f s; want ≥ %.2f and ≤ 0.2: %+v",
			talker, long, talker, got, other, stolen, share*long, segs)
	}
}

// lastLine renders a room scene (espeak-ng voices) and runs the diarizer over it offline; it
// returns the reference of the script's last line and the turns found.
func lastLine(t *testing.T, js string) (diarize.Turn, []diarize.Turn) {
	t.Helper()
	h, segs := diarizeScene(t, js, nil)
	return h.Truth[len(h.Truth)-1], segs
}

// diarizeScene renders a room scene (espeak-ng voices), lets prep alter its channels (nil:
// none) and runs the diarizer over it offline; it returns the hearing and the turns found.
func diarizeScene(t *testing.T, js string, prep func([][]int16)) (*scene.Hearing, []diarize.Turn) {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skipf("espeak-ng not installed (scripts/deps.sh installs it): %v", err)
	}
	sc, err := scene.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h, err := scene.Render(ctx, sc, scene.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if prep != nil {
		prep(h.Channels)
	}
	segs, err := diarize.Offline(diarize.DefaultConfig(), h.Seats, h.Channels, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h, segs
}

// cover is how much of line the turns of seat cover, in seconds.
func cover(segs []diarize.Turn, line diarize.Turn, seat string) float64 {
	var s float64
	for _, g := range segs {
		if g.Seat == seat {
			s += max(0, min(g.End, line.End)-max(g.Start, line.Start))
		}
	}
	return s
}
