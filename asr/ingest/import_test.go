package ingest

import "context"
import "errors"
import "io"
import "os"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// sliceSource is an ImportSource over PCM in memory that fails after failAt frames (0: never).
type sliceSource struct {
	pcm    [][]int16
	pos    int
	failAt int
}

func (s *sliceSource) Channels() int { return len(s.pcm) }

func (s *sliceSource) Read(dst [][]int16) (int, error) {
	if s.failAt > 0 && s.pos >= s.failAt {
		return 0, errors.New("disk read error")
	}
	n := min(len(dst[0]), len(s.pcm[0])-s.pos)
	if n == 0 {
		return 0, io.EOF
	}
	for c := range dst {
		copy(dst[c], s.pcm[c][s.pos:s.pos+n])
	}
	s.pos += n
	return n, nil
}

// An import is archived sample-exact, delivered in order to the listener, closed with a
// manifest, and a second import into the same hearing is refused.
func TestImportArchivesLikeAnAgent(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(2, 3*wire.SampleRate+123, 5)
	seats := fourSeats[:2]
	m, err := r.srv.Import(context.Background(), ImportOptions{Courtroom: "room1", Hearing: "past-1", Seats: seats}, &sliceSource{pcm: pcm})
	if err != nil {
		t.Fatal(err)
	}
	if m.Samples != int64(len(pcm[0])) || len(m.Files) != 2 || m.Courtroom != "room1" {
		t.Fatalf("manifest %+v", m)
	}
	checkArchive(t, r.dir, "past-1", seats, pcm)
	r.rec.mu.Lock()
	got, bad, closed := r.rec.audio["past-1"], r.rec.bad, r.rec.closed
	r.rec.mu.Unlock()
	if bad != "" || len(closed) != 1 || testrig.HashPCM(got[0]) != testrig.HashPCM(pcm[0]) || testrig.HashPCM(got[1]) != testrig.HashPCM(pcm[1]) {
		t.Fatalf("listener: %q, closed %v, %d samples", bad, closed, len(got[0]))
	}
	_, err = r.srv.Import(context.Background(), ImportOptions{Courtroom: "room1", Hearing: "past-1", Seats: seats}, &sliceSource{pcm: pcm})
	if !errors.Is(err, ErrImportRefused) || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("second import: %v", err)
	}
}

// A hearing an agent records, one of another courtroom, bad seats or channel counts are
// refused; a read error part-way keeps the durable part without a manifest.
func TestImportRefusals(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(2, 16000, 6)
	a := r.agent("sess-1", pcm)
	a.Hearing = "recorded"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	seats := fourSeats[:2]
	for _, tc := range []struct {
		opt  ImportOptions
		src  ImportSource
		want string
	}{
		{ImportOptions{Courtroom: "room1", Hearing: "recorded", Seats: seats}, &sliceSource{pcm: pcm}, "already has audio"},
		{ImportOptions{Courtroom: "room2", Hearing: "recorded", Seats: seats}, &sliceSource{pcm: pcm}, "belongs to courtroom room1"},
		{ImportOptions{Courtroom: "room1", Hearing: "x", Seats: fourSeats[:3]}, &sliceSource{pcm: pcm}, "2 channels for 3 seats"},
		{ImportOptions{Courtroom: "room1", Hearing: "../etc", Seats: seats}, &sliceSource{pcm: pcm}, "not a valid identifier"},
		{ImportOptions{Courtroom: "room1", Hearing: "", Seats: seats}, &sliceSource{pcm: pcm}, "name the hearing"},
	} {
		_, err := r.srv.Import(ctx, tc.opt, tc.src)
		if !errors.Is(err, ErrImportRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opt, err, tc.want)
		}
	}
	_, err := r.srv.Import(ctx, ImportOptions{Courtroom: "room1", Hearing: "broken", Seats: seats}, &sliceSource{pcm: testPCM(2, 5*wire.SampleRate, 7), failAt: 2 * wire.SampleRate})
	if err == nil || !strings.Contains(err.Error(), "stopped after 2.0 s") {
		t.Fatalf("read error: %v", err)
	}
	if _, err := os.Stat(filepath.Join(archive.HearingDir(r.dir, "broken"), archive.ManifestFile)); err == nil {
		t.Fatal("a broken import has a manifest")
	}
}
