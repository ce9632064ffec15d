package transcript

import "bytes"
import "crypto/ed25519"
import "crypto/rand"
import "errors"
import "os"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"

func TestCanRoleMatrix(t *testing.T) {
	h := &Hearing{ID: "h1", Clerk: "clerk1", Presiding: "judge1", Judges: []string{"judge2"}}
	users := map[string]*User{
		"admin":      {Name: "admin", Role: RoleAdmin},
		"tech":       {Name: "tech", Role: RoleTechnician},
		"clerk1":     {Name: "clerk1", Role: RoleClerk},
		"clerk2":     {Name: "clerk2", Role: RoleClerk},
		"judge1":     {Name: "judge1", Role: RoleJudge},
		"judge2":     {Name: "judge2", Role: RoleJudge},
		"judge3":     {Name: "judge3", Role: RoleJudge},
		"viewer":     {Name: "viewer", Role: RoleViewer},
		"disabled":   {Name: "clerk1", Role: RoleClerk, Disabled: true},
		"judgeclerk": {Name: "clerk1", Role: RoleJudge}, // a judge named like the clerk is not the clerk
	}
	// Rows: user; columns: actions in this order.
	actions := []Action{ActionRead, ActionEdit, ActionLifecycle, ActionFinalize, ActionCorrect, ActionSign, ActionManageHearing, ActionManageUsers, ActionManageAgents}
	want := map[string]string{
		//            R E L F C S H U A
		"admin":      "1 0 0 0 0 0 1 1 0",
		"tech":       "1 0 0 0 0 0 0 0 1",
		"clerk1":     "1 1 1 1 1 1 0 0 0", // the clerk signs the record too
		"clerk2":     "1 0 0 0 0 0 0 0 0",
		"judge1":     "1 0 0 0 0 1 0 0 0",
		"judge2":     "1 0 0 0 0 1 0 0 0",
		"judge3":     "1 0 0 0 0 0 0 0 0",
		"viewer":     "1 0 0 0 0 0 0 0 0",
		"disabled":   "0 0 0 0 0 0 0 0 0",
		"judgeclerk": "1 0 0 0 0 0 0 0 0",
	}
	for name, row := range want {
		cells := strings.Fields(row)
		for i, a := range actions {
			if got := Can(users[name], a, h); got != (cells[i] == "1") {
				t.Errorf("Can(%s, %s) = %v", name, a, got)
			}
		}
	}
	if Can(nil, ActionRead, h) || Can(users["clerk1"], ActionEdit, nil) || Can(users["admin"], "fly", h) {
		t.Error("nil user, nil hearing or unknown action allowed")
	}
}

func TestPasswordAndSealedKey(t *testing.T) {
	enc, err := HashPassword("correct horse", TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := CheckPassword(enc, "correct horse"); !ok {
		t.Fatal("right password refused")
	}
	if ok, _ := CheckPassword(enc, "correct horsE"); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"$argon2id$v=19$m=1024,t=0,p=1$AAAA$AAAA", "$argon2id$v=19$m=4294967295,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=1024,t=1,p=1$AAAA$"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Fatalf("bad hash %q accepted", bad)
		}
	}
	pub, sealed, err := NewJudgeKey("judge-pw", TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), EncodePublicKey(pub)) {
		t.Fatal("sealed key shows the public key?")
	}
	priv, err := sealed.Open("judge-pw")
	if err != nil || !bytes.Equal(priv.Public().(ed25519.PublicKey), pub) {
		t.Fatalf("open: %v", err)
	}
	if _, err := sealed.Open("judge-pW"); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	// Flip one byte of the ciphertext: authentication fails.
	b := []byte(sealed)
	b[len(b)-3] ^= 1
	if _, err := SealedKey(b).Open("judge-pw"); err == nil {
		t.Fatal("altered sealed key opened")
	}
}

// signedRecord builds and signs a small record like the store does.
func signedRecord(t testing.TB, audioDir string) ([]byte, ed25519.PublicKey) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	r := &Record{Schema: RecordSchema, Version: 1, FinalizedBy: "clerk1", FinalizedAt: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC),
		Hearing: RecordHearing{ID: "h1", CaseNumber: "（2026）京0105民初1234号", Cause: "买卖合同纠纷", Language: "zh",
			Presiding: "judge1", Judges: []string{}, Clerk: "clerk1", Parties: []string{}, Seats: []Seat{{Seat: "judge", Role: "审判长", Person: "张三"}}},
		Segments: []RecordSegment{{ID: 1, Seat: "judge", Role: "审判长", StartMS: 0, EndMS: 1500, Text: "现在开庭。<b>&", Revision: 3}},
		Notes:    []RecordNote{}, Corrections: []Correction{}, Audio: []AudioFile{}, AuditHead: strings.Repeat("ab", 32)}
	if audioDir != "" {
		os.MkdirAll(filepath.Join(audioDir, archive.AudioDir), 0o755)
		p := filepath.Join(audioDir, archive.AudioDir, "judge.wav")
		os.WriteFile(p, []byte("RIFF....WAVE"), 0o644)
		f, _ := HashFile(p)
		f.Name = "audio/judge.wav"
		r.Audio = append(r.Audio, f)
	}
	var err error
	if r.VersionHash, err = RecordHash(r); err != nil {
		t.Fatal(err)
	}
	if r.Signature, err = NewSignature(priv, "judge1", "张三", "h1", 1, r.VersionHash, time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	b, err := r.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n'), pub
}

func TestVerifyRecordRoundTripAndEveryByte(t *testing.T) {
	dir := t.TempDir()
	file, pub := signedRecord(t, dir)
	res, err := VerifyRecord(file, pub, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Signer != "judge1" || res.AudioFiles != 1 {
		t.Fatalf("%+v", res)
	}
	if !bytes.Contains(file, []byte("<b>&")) {
		t.Fatal("canonical JSON escapes HTML")
	}
	// Any byte changed → verification fails.
	for i := range file {
		for _, delta := range []byte{1, 0x20} {
			b := bytes.Clone(file)
			b[i] ^= delta
			if _, err := VerifyRecord(b, nil, ""); err == nil {
				t.Fatalf("byte %d ^ %#x (%q → %q) not detected", i, delta, file[i], b[i])
			}
		}
	}
	// Another key: the trusted key must match.
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := VerifyRecord(file, other, ""); err == nil || !strings.Contains(err.Error(), "trusted key") {
		t.Fatalf("other key: %v", err)
	}
	// Audio changed after signing.
	os.WriteFile(filepath.Join(dir, archive.AudioDir, "judge.wav"), []byte("RIFF....WAVF"), 0o644)
	if _, err := VerifyRecord(file, pub, dir); err == nil || !strings.Contains(err.Error(), "audio") {
		t.Fatalf("audio change: %v", err)
	}
	// Re-signing with another key after changing the text is caught by --pubkey only.
	r, _ := ParseRecord(file)
	r.Segments[0].Text = "现在休庭。"
	r.VersionHash, _ = RecordHash(r)
	_, priv2, _ := ed25519.GenerateKey(rand.Reader)
	r.Signature, _ = NewSignature(priv2, "judge1", "张三", "h1", 1, r.VersionHash, r.Signature.SignedAt)
	forged, _ := r.Canonical()
	if _, err := VerifyRecord(forged, pub, ""); err == nil {
		t.Fatal("forged record verified against the judge's key")
	}
}

// TestEventHashIsStable pins the canonical form and hash of one event: every chain already
// written must verify with the code of any later version.
func TestEventHashIsStable(t *testing.T) {
	e := Event{Seq: 1, HearingID: "h1", Kind: EventSegmentEdited, SegmentID: 7, Actor: "clerk1",
		At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Reason: "录音缺失 \"q\"", Before: []byte(`{"a":1}`), PrevHash: "ab"}
	if c := string(eventCanonical(&e)); c != `[1,"h1","segment.edited",7,0,"clerk1","2026-03-02T09:00:00Z","录音缺失 \"q\"","{\"a\":1}",null]` {
		t.Fatalf("canonical form %s", c)
	}
	if h := EventHash(&e); h != "0efb112d983b72fdacb8d57e94746b6bfa171e3eeb4500dd5a44d56b6b13b661" {
		t.Fatalf("hash %s", h)
	}
}

func TestEventHashChainsAndCoversFields(t *testing.T) {
	e := Event{Seq: 1, HearingID: "h1", Kind: EventSegmentEdited, SegmentID: 7, Actor: "clerk1",
		At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Before: []byte(`{"a":1}`), After: []byte(`{"a":2}`)}
	base := EventHash(&e)
	mut := []func(*Event){
		func(e *Event) { e.Seq++ }, func(e *Event) { e.HearingID = "h2" }, func(e *Event) { e.Kind = EventSegmentDeleted },
		func(e *Event) { e.SegmentID++ }, func(e *Event) { e.NoteID++ }, func(e *Event) { e.Actor = "x" },
		func(e *Event) { e.At = e.At.Add(time.Microsecond) }, func(e *Event) { e.Reason = "r" },
		func(e *Event) { e.Before = nil }, func(e *Event) { e.After = []byte(`{"a":3}`) }, func(e *Event) { e.PrevHash = "00" },
	}
	for i, m := range mut {
		c := e
		m(&c)
		if EventHash(&c) == base {
			t.Errorf("mutation %d does not change the hash", i)
		}
	}
	// ID is not hashed (assigned by the database).
	c := e
	c.ID = 99
	if EventHash(&c) != base {
		t.Error("ID changes the hash")
	}
}

func TestLoadAudioManifestAndComputed(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, archive.AudioDir), 0o755)
	os.WriteFile(filepath.Join(dir, archive.AudioDir, "b.wav"), []byte("bb"), 0o644)
	os.WriteFile(filepath.Join(dir, archive.AudioDir, "a.wav"), []byte("a"), 0o644)
	files, src, err := LoadAudio(dir)
	if err != nil || src != "computed" || len(files) != 2 || files[0].Name != "audio/a.wav" || files[1].Bytes != 2 {
		t.Fatalf("%v %s %+v", err, src, files)
	}
	if gaps, err := LoadGaps(dir); err != nil || len(gaps) != 0 {
		t.Fatalf("gaps without a manifest or gaps.jsonl: %v %v", gaps, err)
	}
	m := `{"hearing":"h1","files":[{"name":"judge.wav","sha256":"` + strings.Repeat("A", 64) + `","bytes":10}],"gaps":[{"first_sample":32000,"samples":16,"reason":"agent_down"}]}`
	os.WriteFile(filepath.Join(dir, archive.ManifestFile), []byte(m), 0o644)
	files, src, err = LoadAudio(dir)
	if err != nil || src != "manifest" || len(files) != 1 || files[0].Name != "audio/judge.wav" || files[0].SHA256 != strings.Repeat("a", 64) {
		t.Fatalf("%v %s %+v", err, src, files)
	}
	gaps, err := LoadGaps(dir)
	if err != nil || len(gaps) != 1 || gaps[0].AtMS != 2000 || gaps[0].EndMS != 2001 || gaps[0].Kind != NoteGap {
		t.Fatalf("gaps from the manifest: %+v %v", gaps, err)
	}
	os.WriteFile(filepath.Join(dir, archive.ManifestFile), []byte(`{"files":[{"name":"x.wav"}]}`), 0o644)
	if _, _, err := LoadAudio(dir); err == nil {
		t.Fatal("manifest without hashes accepted")
	}
}

func FuzzParseRecord(f *testing.F) {
	file, _ := signedRecord(f, "")
	f.Add(file)
	f.Add([]byte(`{"schema":"courtscribe.record/1"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			return
		}
		// Whatever parses is canonical: encoding it again gives the same bytes.
		c, err := r.Canonical()
		if err != nil || !bytes.Equal(c, bytes.TrimSuffix(b, []byte("\n"))) {
			t.Fatalf("parsed record is not canonical")
		}
		VerifyRecord(b, nil, "") // must not panic
	})
}

// BenchmarkEventHash: the audit chain's hash of one edit event with 1 KB before/after
// snapshots, as every committed change computes it.
func BenchmarkEventHash(b *testing.B) {
	snap := []byte(`{"text":"` + strings.Repeat("原告：请求判令被告支付货款。", 20) + `"}`)
	e := Event{Seq: 12345, HearingID: "h-2026-001", Kind: EventSegmentEdited, SegmentID: 77, Actor: "zhaoliu",
		At: time.Date(2026, 3, 2, 9, 0, 0, 123000, time.UTC), Reason: "校对", Before: snap, After: snap, PrevHash: strings.Repeat("ab", 32)}
	for b.Loop() {
		EventHash(&e)
	}
}
