package main

import "bytes"
import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "math"
import "net/http"
import "net/http/httptest"
import "os"
import "path/filepath"
import "testing"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/backfill"
import "github.com/courtscribe/courtscribe/asr/stream"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// pendingHearing makes a data directory with a hearing whose three segments are pending (as the
// server leaves them with --asr none) and the seats' archive WAVs.
func pendingHearing(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	ctx := context.Background()
	store := sqlitetest.Open(t, data, sqlite.Options{})
	if _, err := store.CreateHearing(ctx, stream.ActorSystem, transcript.Hearing{ID: "h1", Language: "en", Title: "test",
		Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}, {Seat: "clerk", Role: "THE CLERK"}}}); err != nil {
		t.Fatal(err)
	}
	audio := filepath.Join(archive.HearingDir(data, "h1"), archive.AudioDir)
	os.MkdirAll(audio, 0o755)
	pcm := map[string][]int16{"judge": make([]int16, 12*16000), "clerk": make([]int16, 12*16000)}
	for i, s := range []struct {
		seat       string
		start, end float64
	}{{"judge", 1, 3}, {"clerk", 4, 6.5}, {"judge", 8, 11}} {
		if _, err := store.AppendSegment(ctx, stream.ActorDiarizer, "h1", transcript.NewSegment{Seat: s.seat, StartMS: int64(s.start * 1000), EndMS: int64(s.end * 1000)}); err != nil {
			t.Fatal(err)
		}
		for k := int(s.start * 16000); k < int(s.end*16000); k++ {
			pcm[s.seat][k] = int16(5000 * math.Sin(float64(k)*float64(i+1)/10))
		}
	}
	for seat, p := range pcm {
		testrig.WriteWAV(t, filepath.Join(audio, seat+".wav"), 16000, p)
	}
	return data
}

func TestBackfillCommand(t *testing.T) {
	data := pendingHearing(t)
	up := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			io.WriteString(w, `{"error":"no 'file' field in the request"}`)
			return
		}
		b, _ := io.ReadAll(f)
		text := fmt.Sprintf("%.1f seconds of speech", float64(len(b)-44)/32000)
		json.NewEncoder(w).Encode(map[string]any{"task": "transcribe", "language": "english", "text": text,
			"segments": []any{map[string]any{"id": 0, "text": text, "start": 0.0, "end": 1.0}}})
	}))
	defer srv.Close()
	log := slog.New(slog.DiscardHandler)
	fl := backfillFlags{data: data, hearing: "h1", engineFlags: engineFlags{asrKind: "remote", urls: []string{srv.URL}, language: "en", workers: 1}, json: true}

	up = false
	var out bytes.Buffer
	err := runBackfill(context.Background(), fl, &out, log)
	var ec exitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 3 {
		t.Fatalf("engine down: err %v, want exit status 3", err)
	}
	var rep backfill.Report
	if json.Unmarshal(out.Bytes(), &rep) != nil || rep.Pending != 3 || rep.Remaining != 3 {
		t.Fatalf("report while down: %s", out.String())
	}

	up = true
	out.Reset()
	if err := runBackfill(context.Background(), fl, &out, log); err != nil {
		t.Fatal(err)
	}
	if json.Unmarshal(out.Bytes(), &rep) != nil || rep.Pending != 3 || rep.Completed != 3 {
		t.Fatalf("report: %s", out.String())
	}
	store := sqlitetest.Open(t, data, sqlite.Options{})
	if segs, err := store.PendingSegments(context.Background(), "h1", 0); err != nil || len(segs) != 0 {
		t.Errorf("still pending after backfill: %v %v", segs, err)
	}
	if err := runBackfill(context.Background(), backfillFlags{data: data, hearing: "h1", engineFlags: engineFlags{asrKind: "none", language: "en"}}, &out, log); err == nil {
		t.Error("--asr none accepted")
	}
}
