package diarize_test

import "context"
import "os/exec"
import "path/filepath"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/baseline"
import "github.com/courtscribe/courtscribe/asr/diarize/der"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestScenes renders the benchmark's hearings with espeak-ng (real synthetic speech in
// Mandarin and English, real recorded speech from jfk.wav) and holds the diarizer to the
// targets: DER ≤ 3% where bleed is 8–20 dB, ≤ 6% in the hard room, far below both baselines,
// no speech for a silent seat and none taken by a hot mic.
func TestScenes(t *testing.T) {
	for _, bin := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh installs it): %v", bin, err)
		}
	}
	// The limits are what the scenes achieve, with a little room for another espeak-ng build
	// (2026-12-05: clean scenes 0.00–0.99 %, shortened under -race 0.00–1.50 %; room-zh-criminal
	// 0.07 % (0.34 %); no sound reported as speech; the hot judge mic of room-en-trial 0.15 s;
	// 2026-12-06: room-en-trial 2.83 %, room-zh-panel 0.76 % with none of its chairs reported).
	// The targets are 1 % (clean), 5 % (these rooms) and 10 % (the panel).
	cases := []struct {
		file      string
		target    float64
		raceLines int // script lines kept under -race
	}{
		{"mandarin-civil.json", 0.005, 9},
		{"english-criminal.json", 0.02, 7},
		{"hard-room.json", 0.005, 14},
		{"jfk-real.json", 0.005, 8},
		{"fan-room.json", 0.02, 7}, // beyond the brief: a fan raises one mic's noise by 14 dB
		// Reverberant rooms (issue 10): RT60 0.7 and 0.8 s, neighbours ≥ 6 dB: ≤ 5 % in the
		// issue, and no cough, paper, gavel, door, chair, phone or beep reported as ≥ 0.3 s of
		// speech. The previous diarizer scored 280–330 % on them. Not under -short (rendering).
		{"room-zh-criminal.json", 0.01, 20},
		{"room-en-trial.json", 0.035, 16},
		// Three judges 0.6 m apart (neighbours 3–6 dB): ≤ 10 % in the issue; a chair dragged on
		// the bench used to be reported as a judge's speech.
		{"room-zh-panel.json", 0.02, 16},
		// Crowded counsel tables (neighbours 3–6 dB, RT60 0.5 s): ≤ 10 % in the issue; the
		// gallery phone ringing behind the defense table was reported as the defense's speech
		// until a start needed power below 1 kHz (stage 10; 2026-12-06: 4.99 %).
		{"room-en-counsel.json", 0.06, 16},
	}
	td := scene.FindTestdata(".")
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("..", "..", "scripts", "scenes", c.file)
			sc, err := scene.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Room != nil && testing.Short() {
				t.Skip("reverberant scene: rendering takes tens of seconds (not under -short)")
			}
			if raceEnabled && len(sc.Script) > c.raceLines {
				sc.Script = sc.Script[:c.raceLines]
			}
			if sc.UsesTestdata() && td == "" {
				t.Skip("scene needs ../shared/testdata (jfk.wav), which is absent")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			h, err := scene.Render(ctx, sc, scene.Options{Dir: filepath.Dir(path), Testdata: td})
			if err != nil {
				t.Fatal(err)
			}
			hyp, err := diarize.Offline(diarize.DefaultConfig(), h.Seats, h.Channels, nil)
			if err != nil {
				t.Fatal(err)
			}
			o := der.DefaultOptions()
			res := der.Score(h.Truth, hyp, o)
			en := der.Score(h.Truth, baseline.Energy(h.Seats, h.Channels), o)
			ld := der.Score(h.Truth, baseline.Loudest(h.Seats, h.Channels), o)
			t.Logf("%s (%.0f s): DER %.2f%% (miss %.2f s, FA %.2f s, confusion %.2f s of %.1f s); energy VAD %.1f%%, loudest wins %.1f%%",
				sc.Name, h.Duration(), 100*res.DER, res.Missed, res.FalseAlarm, res.Confusion, res.Reference, 100*en.DER, 100*ld.DER)
			if res.DER > c.target {
				t.Errorf("DER %.2f%% above the %.0f%% target", 100*res.DER, 100*c.target)
			}
			if res.DER > en.DER/10 {
				t.Errorf("DER %.2f%% not far below the energy-VAD baseline (%.2f%%)", 100*res.DER, 100*en.DER)
			}
			if ld.DER > 0.05 && res.DER > ld.DER/5 && sc.Name != "fan-room" {
				t.Errorf("DER %.2f%% not far below loudest-wins (%.2f%%)", 100*res.DER, 100*ld.DER)
			}
			var evs []der.Event
			for _, e := range h.Events {
				evs = append(evs, der.Event{Kind: e.Kind, Start: e.Start, End: e.End})
			}
			// None of these scenes' sounds is reported as speech any more (a gavel struck at the
			// bench, which rings periodically on the judge's mic, used to pass as voiced).
			reported := 0
			for kind, n := range der.FalseSpeechOnSounds(h.Truth, hyp, evs) {
				reported += n.Reported
				if n.Reported > 0 {
					t.Logf("%d of %d %s sounds reported as ≥ %.1f s of speech", n.Reported, n.Total, kind, der.MinFalseSpeech)
				}
			}
			if reported > 0 {
				t.Errorf("%d non-speech sounds reported as speech", reported)
			}
			for _, st := range sc.Seats {
				s := res.Seats[st.Name]
				if s == nil {
					continue
				}
				if s.Reference == 0 && s.FalseAlarm > 0.5 {
					t.Errorf("silent seat %s was given %.2f s of speech", st.Name, s.FalseAlarm)
				}
				if st.GainDB > 0 {
					t.Logf("hot mic %s (+%.0f dB): %.2f s of false speech", st.Name, st.GainDB, s.FalseAlarm)
				}
				hotMax := 0.25
				if sc.Room != nil {
					hotMax = 0.5 // the bench mic also hears the gavel and the bench's reverberation
				}
				if st.GainDB > 0 && s.FalseAlarm > hotMax {
					t.Errorf("hot mic %s took %.2f s of other seats' speech", st.Name, s.FalseAlarm)
				}
			}
		})
	}
}
