package main

import "bytes"
import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "net/http"
import "net/http/httptest"
import "os"
import "path/filepath"
import "testing"

import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/capture/wavfile"

// twoSeatHearing writes a 2-channel WAV: the judge speaks (jfk.wav) at 1..6 s, the clerk at
// 8..13 s, each with a little bleed into the other microphone, and exact zeros otherwise (gated
// microphones: the diarizer must not take a noise floor from the speech that opens a gate).
func twoSeatHearing(t *testing.T) string {
	t.Helper()
	root, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		root = filepath.Dir(root)
	}
	a, err := wavfile.ReadFile(filepath.Join(root, "..", "shared", "testdata", "jfk.wav"))
	if err != nil {
		t.Skipf("jfk.wav not found in ../shared/testdata: %v", err)
	}
	sp := a.Channels[0]
	n := 15 * 16000
	judge, clerk := make([]int16, n), make([]int16, n)
	for i := 0; i < 5*16000; i++ {
		judge[16000+i] = sp[i]
		clerk[16000+i] = sp[i] / 20
		clerk[8*16000+i] = sp[5*16000+i]
		judge[8*16000+i] = sp[5*16000+i] / 20
	}
	p := filepath.Join(t.TempDir(), "hearing.wav")
	if err := wavfile.WriteMulti(p, 16000, [][]int16{judge, clerk}); err != nil {
		t.Fatal(err)
	}
	return p
}

type transcribeJSON struct {
	Segments []transcribedUtterance `json:"segments"`
}

func runTranscribeJSON(t *testing.T, path string, fl transcribeFlags) transcribeJSON {
	t.Helper()
	var out bytes.Buffer
	fl.json = true
	if err := runTranscribe(context.Background(), path, fl, &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	var got transcribeJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	return got
}

func checkSeats(t *testing.T, got transcribeJSON) {
	t.Helper()
	var judge, clerk bool
	for _, s := range got.Segments {
		if s.End <= s.Start || s.Start < 0 || s.End > 15 {
			t.Errorf("segment %+v outside the recording", s)
		}
		if s.Seat == "judge" && s.Start < 6 && s.End > 1 {
			judge = true
		}
		if s.Seat == "clerk" && s.Start < 13 && s.End > 8 {
			clerk = true
		}
		// The other seat's bleed is not a turn (each seat speaks only in its own window).
		if s.Seat == "judge" && (s.Start < 0.9 || s.End > 6.2) || s.Seat == "clerk" && (s.Start < 7.9 || s.End > 13.2) {
			t.Errorf("segment %+v outside its seat's speech", s)
		}
	}
	if !judge || !clerk {
		t.Errorf("segments %+v miss the judge (1..6 s) or the clerk (8..13 s)", got.Segments)
	}
}

func TestTranscribeNoneKeepsPending(t *testing.T) {
	path := twoSeatHearing(t)
	got := runTranscribeJSON(t, path, transcribeFlags{seats: []string{"judge", "clerk"}, engineFlags: engineFlags{asrKind: "none", language: "en", workers: 1}})
	checkSeats(t, got)
	for _, s := range got.Segments {
		if s.Status != "pending" && s.Status != "empty" {
			t.Errorf("with --asr none: %+v", s)
		}
	}
}

func TestTranscribeRemote(t *testing.T) {
	path := twoSeatHearing(t)
	// a whisper-server answering in its verbose_json shape
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			io.WriteString(w, `{"error":"no 'file' field in the request"}`)
			return
		}
		b, _ := io.ReadAll(f)
		dur := float64(len(b)-44) / 32000
		text := fmt.Sprintf("utterance of %.1f seconds", dur)
		json.NewEncoder(w).Encode(map[string]any{"task": "transcribe", "language": "english", "duration": dur, "text": text,
			"segments": []any{map[string]any{"id": 0, "text": text, "start": 0.0, "end": dur,
				"words": []any{map[string]any{"word": " utterance", "start": 0.0, "end": 0.5, "probability": 0.8}}}}})
	}))
	defer srv.Close()
	got := runTranscribeJSON(t, path, transcribeFlags{seats: []string{"judge", "clerk"}, engineFlags: engineFlags{asrKind: "remote", urls: []string{srv.URL}, language: "en", workers: 2}})
	checkSeats(t, got)
	finals := 0
	for _, s := range got.Segments {
		if s.Status == "final" {
			finals++
			if s.Text == "" || s.Confidence != 0.8 {
				t.Errorf("final %+v", s)
			}
		}
	}
	if finals < 2 {
		t.Errorf("%d final segments: %+v", finals, got.Segments)
	}
}

func TestTranscribeErrors(t *testing.T) {
	path := twoSeatHearing(t)
	var out bytes.Buffer
	log := slog.New(slog.DiscardHandler)
	if err := runTranscribe(context.Background(), path, transcribeFlags{seats: []string{"judge"}, engineFlags: engineFlags{asrKind: "none", language: "en"}}, &out, log); err == nil {
		t.Error("seat count mismatch accepted")
	}
	if err := runTranscribe(context.Background(), path, transcribeFlags{seats: []string{"a", "b"}, engineFlags: engineFlags{asrKind: "none", language: "fr"}}, &out, log); err == nil {
		t.Error("language fr accepted")
	}
	if err := runTranscribe(context.Background(), filepath.Join(t.TempDir(), "missing.wav"), transcribeFlags{seats: []string{"a"}, engineFlags: engineFlags{asrKind: "none", language: "en"}}, &out, log); err == nil {
		t.Error("missing file accepted")
	}
	err := runTranscribe(context.Background(), path, transcribeFlags{seats: []string{"a", "b"}, engineFlags: engineFlags{asrKind: "whisper", model: "x.bin", language: "en"}}, &out, log)
	if !whisper.Built && !errors.Is(err, whisper.ErrNotBuilt) {
		t.Errorf("whisper without libwhisper: %v", err)
	}
	if whisper.Built && err == nil {
		t.Error("missing model accepted")
	}
}
