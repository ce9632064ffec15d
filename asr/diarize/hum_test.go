package diarize_test

import "math"
import "testing"

// humBench is a bench of three in a reverberant room: the presiding judge on a mic turned
// 8 dB down, the associate 0.9 m away on one turned 5 dB up, and the clerk below them. The
// judge and the associate take turns.
const humBench = `{
  "name": "hum-bench", "seed": 31, "noise_dbfs": -64, "elec_dbfs": -82,
  "lead_in": 1, "tail": 1.5, "room": {"size": [11.5, 9.0, 4.2], "rt60": 0.7},
  "seats": [
    {"name": "judge", "voice": "en-us+m3", "pitch": 45, "speed": 160, "level_db": 0, "gain_db": -8, "pos": [10.3, 4.5, 1.55], "facing": 180, "mic_dist": 0.45},
    {"name": "associate", "voice": "en-us+f2", "pitch": 60, "speed": 158, "level_db": 0, "gain_db": 5, "pos": [10.3, 5.4, 1.55], "facing": 180, "mic_dist": 0.5},
    {"name": "clerk", "voice": "en-us+m1", "pitch": 35, "speed": 165, "level_db": 0, "pos": [9.1, 4.9, 1.15], "facing": 180, "mic_dist": 0.4}
  ],
  "script": [
    {"seat": "judge", "text": "Please be seated. We are on the record in the matter before the court.", "gap": 0.5},
    {"seat": "associate", "text": "Counsel, state your appearances for the record, please.", "gap": 0.7},
    {"seat": "judge", "text": "The witness will remain under oath for the rest of the afternoon.", "gap": 0.6},
    {"seat": "clerk", "text": "Exhibit twelve is marked for identification.", "gap": 0.6},
    {"seat": "associate", "text": "Thank you. You may proceed with the examination.", "gap": 0.7},
    {"seat": "judge", "text": "Sustained. Rephrase the question, counsel, and keep it short.", "gap": 0.6}
  ]
}`

// addHum adds mains hum at dbfs (RMS of the fundamental) to a channel: 50 Hz with its
// harmonics at 100, 150 and 250 Hz, as a ground loop on one mic's line puts on it after the
// preamp.
func addHum(ch []int16, dbfs float64) {
	a := math.Pow(10, dbfs/20) * 32768 * math.Sqrt2
	for i := range ch {
		w := 2 * math.Pi * 50 * float64(i) / 16000
		v := float64(ch[i]) + a*(math.Sin(w)+0.3*math.Sin(2*w)+0.5*math.Sin(3*w)+0.15*math.Sin(5*w))
		ch[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
}

// TestHumOnOneMicKeepsItsTalker: a ground loop puts hum on the judge's mic, 25 dB over the
// room's floor after the judge's low gain and inside the speech band (150 and 250 Hz). Read
// as the floor of that mic, it sinks the judge's voice 25 dB under its real distance to the
// mic, and the associate's hot mic next to it reads the judge's voice louder than the judge's
// own: the judge's lines went to the associate.
func TestHumOnOneMicKeepsItsTalker(t *testing.T) {
	h, segs := diarizeScene(t, humBench, func(ch [][]int16) { addHum(ch[0], -48) })
	for _, line := range h.Truth {
		got := cover(segs, line, line.Seat)
		var stolen float64
		for _, s := range h.Seats {
			if s != line.Seat {
				stolen += cover(segs, line, s)
			}
		}
		if long := line.End - line.Start; got < 0.8*long || stolen > 0.3 {
			t.Errorf("%s's line %.2f–%.2f s: %.2f s on the seat, %.2f s on others; want ≥ %.2f and ≤ 0.3: %+v",
				line.Seat, line.Start, line.End, got, stolen, 0.8*long, segs)
		}
	}
}
