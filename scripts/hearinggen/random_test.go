package main

import "bytes"
import "encoding/json"
import "os"
import "path/filepath"
import "reflect"
import "slices"
import "strconv"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestRandomCourtrooms: the drawn scenes parse, the same seed draws the same courtroom, and
// they hold what the benchmark needs from an unseen room: RT60 in 0.4–1.0 s, a bench, a
// witness and two counsel tables, a soft talker on a low-gain mic, sounds, murmur, and lines
// of the scene's own language only.
func TestRandomCourtrooms(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	if err := writeRandom(randomOptions{N: 6, Seed: 40, Minutes: 2}, "../scenes", dir, &log); err != nil {
		t.Fatal(err)
	}
	bank, err := loadTextBank("../scenes")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		lang := []string{"zh", "en"}[i%2]
		seed := uint64(40 + i)
		b, err := os.ReadFile(filepath.Join(dir, "random-"+lang+"-"+strconv.FormatUint(seed, 10)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		sc, err := scene.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		again := randomScene(sc.Name, seed, lang, 2, bank)
		a, _ := json.Marshal(again)
		if !reflect.DeepEqual(mustParse(t, a), sc) {
			t.Fatalf("%s: the same seed drew another courtroom", sc.Name)
		}
		if rt := sc.Room.RT60; rt < 0.4 || rt > 1.0 {
			t.Errorf("%s: RT60 %.2f", sc.Name, rt)
		}
		names := map[string]bool{}
		soft := false
		for _, st := range sc.Seats {
			names[st.Name] = true
			soft = soft || (st.GainDB <= -6 && st.Level <= -4)
			if voiceLang(st.Voice) != lang {
				t.Errorf("%s: seat %s speaks with voice %s", sc.Name, st.Name, st.Voice)
			}
		}
		for _, n := range []string{"judge", "clerk", "witness", "prosecutor", "defense"} {
			if !names[n] {
				t.Errorf("%s: no %s seat", sc.Name, n)
			}
		}
		if !soft {
			t.Errorf("%s: no soft talker on a low-gain mic", sc.Name)
		}
		var sounds, murmur, spoken int
		for _, l := range sc.Script {
			switch {
			case l.Sound != "":
				sounds++
			case l.Event == "murmur_on":
				murmur++
			case l.Text != "":
				spoken++
				if !l.Interject && !slices.Contains(bank[lang], l.Text) {
					t.Errorf("%s: line %q is not from the %s bank", sc.Name, l.Text, lang)
				}
			}
		}
		if sounds < 3 || murmur < 2 || spoken < 10 {
			t.Errorf("%s: %d sounds, %d murmur spans, %d spoken lines", sc.Name, sounds, murmur, spoken)
		}
	}
	if strings.Count(log.String(), "\n") != 6 {
		t.Errorf("log %q", log.String())
	}
}

func mustParse(t *testing.T, b []byte) *scene.Scene {
	t.Helper()
	sc, err := scene.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
