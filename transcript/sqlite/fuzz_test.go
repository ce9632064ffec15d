package sqlite

import "context"
import "errors"
import "fmt"
import "strings"
import "testing"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/transcript"

// knownError reports whether err is one of the store's documented errors (a clear error,
// not an internal failure).
func knownError(err error) bool {
	for _, e := range []error{transcript.ErrInvalid, transcript.ErrConflict, transcript.ErrNotFound, transcript.ErrState} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// FuzzEditOps feeds arbitrary text, offsets, times and seat names to the edit operations of a
// real store and checks that bad input gets a documented error, good input keeps the record's
// invariants, and the audit stays clean.
func FuzzEditOps(f *testing.F) {
	ctx := context.Background()
	dir := f.TempDir()
	s, err := OpenData(ctx, dir, testOptions(dir))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	f.Add("现在开庭。核对当事人身份。", 5, int64(1500), "plaintiff", int64(0), int64(3000))
	f.Add("Good morning, Your Honor.", 0, int64(0), "", int64(-1), int64(0))
	f.Add("\xff\xfe", 1, int64(1), "judge", int64(10), int64(5))
	f.Add("a", 1, int64(9e18), "../x", int64(0), int64(1))
	n := 0
	f.Fuzz(func(t *testing.T, text string, offset int, atMS int64, seat string, start, end int64) {
		n++
		id := fmt.Sprintf("fz%d", n)
		if _, err := s.CreateHearing(ctx, "admin", zhHearing(id)); err != nil {
			t.Fatal(err)
		}
		check := func(op string, err error) bool {
			t.Helper()
			if err != nil && !knownError(err) {
				t.Fatalf("%s: undocumented error: %v", op, err)
			}
			return err == nil
		}
		g, err := s.AppendSegment(ctx, "diarizer", id, transcript.NewSegment{Seat: "judge", StartMS: start, EndMS: end})
		if !check("append", err) {
			if start >= 0 && end >= start {
				t.Fatalf("valid segment %d–%d refused: %v", start, end, err)
			}
			return
		}
		g2, err := s.SetEngineResult(ctx, "engine:fuzz", g.ID, transcript.EngineResult{Text: text, Final: true})
		if check("engine", err) {
			g = g2
		} else if utf8.ValidString(text) && len(text) < maxText && !strings.ContainsRune(text, 0) {
			t.Fatalf("valid text refused: %v", err) // NUL is refused on purpose (checkText)
		}
		if a, b, err := s.Split(ctx, "clerk", g.ID, g.Revision, offset, atMS); check("split", err) {
			if a.EndMS != atMS || b.StartMS != atMS || a.StartMS != g.StartMS || b.EndMS != g.EndMS {
				t.Fatalf("split times: %+v %+v", a, b)
			}
			if m, err := s.Merge(ctx, "clerk", a.ID, a.Revision, b.Revision); check("merge", err) {
				if m.EndMS != g.EndMS || !utf8.ValidString(m.Text) {
					t.Fatalf("merge: %+v", m)
				}
				g = m
			} else {
				t.Fatalf("merge of a fresh split failed: %v", err)
			}
		}
		if r, err := s.Relabel(ctx, "clerk", g.ID, g.Revision, seat); check("relabel", err) {
			g = r
		}
		if e, err := s.EditText(ctx, "clerk", g.ID, g.Revision, text); check("edit", err) {
			if e.Text != text {
				t.Fatal("edit lost text")
			}
		}
		rep, err := s.AuditHearing(ctx, id)
		if err != nil || !rep.OK() {
			t.Fatalf("audit: %v %+v", err, rep)
		}
	})
}
