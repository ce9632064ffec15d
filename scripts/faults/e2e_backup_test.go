package faults

import "database/sql"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "net/http"
import "net/http/httptest"
import "os"
import "os/exec"
import "path/filepath"
import "reflect"
import "strings"
import "syscall"
import "testing"
import "time"

import _ "modernc.org/sqlite"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestBackupDuringLiveReplayRestoreAndScrub is the technician's night on real binaries: a
// server records a hearing from an agent replaying two seats in real time; a backup runs while
// the audio streams in, a second one after the hearing was closed, finalized and signed. Both
// restore into new directories: the first is a consistent prefix (every sample and event of it
// equals the original's), the second equals the original in every sample and every event,
// passes `transcript audit`, and the signed export verifies offline against the restored
// audio. Then a flipped byte in an archived WAV and a deleted segment row are found by scrub
// (named, exit 3, alarm in /metrics and the health panel), and restore --hearing repairs the WAV.
func TestBackupDuringLiveReplayRestoreAndScrub(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	pcm := twoSeatSpeech(t)
	bin := testrig.Binary(t)
	run := func(args ...string) (string, int) {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return string(out), code
	}
	data := t.TempDir()
	dest := filepath.Join(t.TempDir(), "backup")
	igAddUsers(t, [][2]string{{"admin", "admin"}, {"clerk1", "clerk"}, {"judge1", "judge"}}, "--data", data)
	engine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		b, _ := io.ReadAll(f)
		json.NewEncoder(w).Encode(map[string]any{"text": fmt.Sprintf("utterance of %.1f seconds", float64(len(b)-44)/32000)})
	}))
	defer engine.Close()
	addr := testrig.FreeAddr(t)
	srv := igStartServer(t, data, addr, "--asr", "remote", "--asr-url", engine.URL, "--language", "en")
	base := "http://" + addr
	admin := apiLogin(t, base, "admin", "pw-admin")
	const id = "case-2026-7"
	hearing := map[string]any{"id": id, "case_number": "2026-cv-7", "court": "Court A", "courtroom": "room-5", "language": "en",
		"presiding": "judge1", "clerk": "clerk1",
		"seats": []map[string]any{{"seat": "judge", "role": "THE COURT"}, {"seat": "witness", "role": "THE WITNESS"}}}
	admin.createHearing(hearing)
	src := sourceWAV(t, pcm)
	token := testrig.Token(t, data, "room-5")
	agent := exec.Command(bin, "agent", "--server", "ws://"+addr, "--token", token, "--courtroom", "room-5",
		"--hearing", id, "--seats", "judge=1,witness=2", "--source", src, "--spool", t.TempDir())
	agentOut := &testrig.LineLog{}
	agent.Stdout, agent.Stderr = agentOut, agentOut
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	agentDone := make(chan error, 1)
	go func() { agentDone <- agent.Wait() }()
	defer agent.Process.Kill()

	// Backup 1 while the agent streams: a few seconds of audio and the first segments are in.
	judgeWAV := filepath.Join(archive.HearingDir(data, id), archive.AudioDir, "judge.wav")
	testrig.Eventually(t, 30*time.Second, "audio arriving", func() bool {
		st, err := os.Stat(judgeWAV)
		return err == nil && st.Size() > 16*32000
	})
	if out, code := run("backup", "--data", data, "--to", dest); code != 0 || !strings.Contains(out, "needs") {
		t.Fatalf("backup during the replay: exit %d\n%s", code, out)
	}
	select {
	case err := <-agentDone:
		t.Fatalf("the replay was over before the live backup ran (%v): the test proves nothing", err)
	default:
	}
	if err := <-agentDone; err != nil {
		t.Fatalf("agent: %v\n%s", err, agentOut.String())
	}
	clerk := apiLogin(t, base, "clerk1", "pw-clerk1")
	testrig.Eventually(t, 60*time.Second, "every segment transcribed", func() bool {
		var page struct {
			Segments []segment `json:"segments"`
		}
		clerk.do("GET", "/api/hearings/"+id+"/segments", nil, &page)
		for _, s := range page.Segments {
			if s.Status != "final" {
				return false
			}
		}
		return len(page.Segments) >= 2
	})
	for _, step := range []string{"close", "finalize"} {
		if code := clerk.do("POST", "/api/hearings/"+id+"/"+step, map[string]any{}, nil); code != 200 {
			t.Fatalf("%s: %d", step, code)
		}
	}
	judge := apiLogin(t, base, "judge1", "pw-judge1")
	if code := judge.do("POST", "/api/hearings/"+id+"/sign", map[string]any{"password": "pw-judge1"}, nil); code != 200 {
		t.Fatalf("sign: %d", code)
	}
	// Backup 2 with the server still running: the incremental one.
	if out, code := run("backup", "--data", data, "--to", dest); code != 0 {
		t.Fatalf("backup after signing: exit %d\n%s", code, out)
	}

	// Restore both into new directories.
	snaps, _ := os.ReadDir(filepath.Join(dest, "snapshots"))
	if len(snaps) != 2 {
		t.Fatalf("snapshots: %v", snaps)
	}
	early := filepath.Join(t.TempDir(), "early")
	if out, code := run("restore", "--from", dest, "--data", early, "--snapshot", snaps[0].Name()); code != 0 {
		t.Fatalf("restore of the live backup: exit %d\n%s", code, out)
	}
	full := filepath.Join(t.TempDir(), "full")
	if out, code := run("restore", "--from", dest, "--data", full); code != 0 || !strings.Contains(out, "audit OK") {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	// Every sample: the full restore equals the source; the live one is a prefix of it.
	seats := []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 2}}
	igCheckExact(t, full, id, seats, pcm)
	for i, s := range seats {
		got := igReadSeat(t, early, id, s.Name)
		if len(got) < 16*wire.SampleRate || len(got) >= len(pcm[i]) || testrig.HashPCM(got) != testrig.HashPCM(pcm[i][:len(got)]) {
			t.Fatalf("live backup of seat %s: %d samples, not a prefix of the source", s.Name, len(got))
		}
	}
	// Every event: the full restore has the original's rows; the live one a prefix of each chain.
	orig := dbEvents(t, data)
	if got := dbEvents(t, full); !reflect.DeepEqual(got, orig) {
		t.Fatalf("restored events differ: %d vs %d rows", len(got), len(orig))
	}
	earlyEv := dbEvents(t, early)
	if len(earlyEv) == 0 || len(earlyEv) >= len(orig) {
		t.Fatalf("live backup holds %d of %d events", len(earlyEv), len(orig))
	}
	for i, e := range earlyEv {
		if !reflect.DeepEqual(e, orig[i]) {
			t.Fatalf("event %d of the live backup differs from the original", i)
		}
	}
	for _, d := range []string{early, full} {
		if out, code := run("transcript", "audit", "--data", d, "--all"); code != 0 {
			t.Fatalf("audit of %s: exit %d\n%s", d, code, out)
		}
	}
	exp := filepath.Join(t.TempDir(), "record.json")
	if out, code := run("transcript", "export", "--data", full, "--hearing", id, "--format", "json", "--out", exp); code != 0 {
		t.Fatalf("export: %s", out)
	}
	if out, code := run("transcript", "verify", exp, "--audio", archive.HearingDir(full, id)); code != 0 || !strings.Contains(out, "audio: 2 files match") {
		t.Fatalf("verify against the restored audio: exit %d\n%s", code, out)
	}
	// The restored server starts; its background scrub (--scrub-interval) finds a damaged WAV
	// by itself and names it in /metrics.
	addr2 := testrig.FreeAddr(t)
	srv2 := igStartServer(t, full, addr2, "--scrub-interval", "200ms", "--scrub-rate-mb", "4")
	if !strings.Contains(metrics(t, "http://"+addr2), "courtscribe_integrity_mismatches 0") {
		t.Fatal("integrity metric missing or not zero on a clean restore")
	}
	f, err := os.OpenFile(filepath.Join(archive.HearingDir(full, id), archive.AudioDir, "judge.wav"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0x11}, 2000)
	f.Close()
	testrig.Eventually(t, 20*time.Second, "the background scrub's alarm", func() bool {
		return strings.Contains(metrics(t, "http://"+addr2), `file="hearings/`+id+`/audio/judge.wav"`)
	})
	srv2.Stop(t)

	// Damage: a flipped byte in the signed hearing's WAV, a deleted segment row.
	f, err = os.OpenFile(filepath.Join(archive.HearingDir(data, id), archive.AudioDir, "witness.wav"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0xa5}, 9000)
	f.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "courtscribe.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM segments WHERE id = (SELECT MAX(id) FROM segments WHERE hearing_id=?)`, id); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, code := run("scrub", "--data", data, "--backup", dest)
	if code != 3 || !strings.Contains(out, "file hearings/"+id+"/audio/witness.wav") || !strings.Contains(out, "missing from the segments table") {
		t.Fatalf("scrub: exit %d\n%s", code, out)
	}
	// The running server raises the alarm from the scrub's report.
	testrig.Eventually(t, 10*time.Second, "integrity alarm in /metrics", func() bool {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(b), `courtscribe_integrity_mismatch{file="hearings/`+id+`/audio/witness.wav",hearing="`+id+`",kind="audio"} 1`)
	})
	var health struct {
		Alarms []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"alarms"`
	}
	clerk.do("GET", "/api/hearings/"+id+"/health", nil, &health)
	found := false
	for _, a := range health.Alarms {
		found = found || a.Code == "integrity" && strings.Contains(a.Message, "witness.wav")
	}
	if !found {
		t.Fatalf("no integrity alarm naming the file in the health panel: %+v", health.Alarms)
	}
	// restore --hearing repairs the WAV; the scrub then finds only the record's damage.
	if out, code := run("restore", "--from", dest, "--data", data, "--hearing", id); code != 0 || !strings.Contains(out, "restored hearings/"+id+"/audio/witness.wav") {
		t.Fatalf("restore --hearing: exit %d\n%s", code, out)
	}
	out, code = run("scrub", "--data", data)
	if code != 3 || strings.Contains(out, "witness.wav") || !strings.Contains(out, "segments table") {
		t.Fatalf("scrub after the repair: exit %d\n%s", code, out)
	}
	// A destination inside the data directory is refused.
	if out, code := run("backup", "--data", data, "--to", filepath.Join(data, "hearings", "b")); code == 0 || !strings.Contains(out, "inside the data directory") {
		t.Fatalf("backup into the data directory: exit %d\n%s", code, out)
	}
	srv.Stop(t)
}

func metrics(t *testing.T, base string) string {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestBackupRefusesWithoutSpace: a destination on a real 4 MiB tmpfs is refused before anything
// is written, with the space the backup needs in the message (needs root to mount; skipped
// otherwise).
func TestBackupRefusesWithoutSpace(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	bin := testrig.Binary(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("SKIP: cannot mount a small tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	data := t.TempDir()
	igAddUser(t, "admin", "admin", "pw-admin-1", "--data", data)
	dir := filepath.Join(archive.HearingDir(data, "big"), archive.AudioDir)
	os.MkdirAll(dir, 0o755)
	w, err := wavfile.Create(filepath.Join(dir, "judge.wav"), 16000)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(testrig.NoisePCM(1, 4_000_000, 9)[0]) // 8 MB
	w.Close()
	dest := filepath.Join(mnt, "backup")
	out, err := exec.Command(bin, "backup", "--data", data, "--to", dest).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not enough free space") || !strings.Contains(string(out), "needs") {
		t.Fatalf("backup onto a 4 MiB disk: %v\n%s", err, out)
	}
	if es, _ := os.ReadDir(filepath.Join(dest, "objects")); len(es) != 0 {
		t.Fatalf("objects written before the refusal: %v", es)
	}
	if es, _ := os.ReadDir(filepath.Join(dest, "snapshots")); len(es) != 0 {
		t.Fatalf("snapshots written before the refusal: %v", es)
	}
}

// dbEvents reads every event row of a data directory's record.
func dbEvents(t *testing.T, data string) [][]any {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "courtscribe.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, hearing_id, seq, kind, segment_id, note_id, actor, at, reason, before, after, prev_hash, hash FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		r := make([]any, 13)
		p := make([]any, 13)
		for i := range r {
			p[i] = &r[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestBackupKilledLeavesPreviousUsable: a backup killed with SIGKILL in the middle of copying
// leaves the previous snapshot as LATEST and restorable; the next backup completes.
func TestBackupKilledLeavesPreviousUsable(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	bin := testrig.Binary(t)
	data := t.TempDir()
	dest := filepath.Join(t.TempDir(), "backup")
	igAddUser(t, "admin", "admin", "pw-admin-1", "--data", data)
	if b, err := exec.Command(bin, "backup", "--data", data, "--to", dest).CombinedOutput(); err != nil {
		t.Fatalf("first backup: %v\n%s", err, b)
	}
	first, _ := os.ReadFile(filepath.Join(dest, "LATEST"))
	// 48 live seat files of 4 MB: copying them takes long enough to be killed half way.
	pcm := testrig.NoisePCM(1, 2_000_000, 5)[0]
	for i := 0; i < 48; i++ {
		dir := filepath.Join(archive.HearingDir(data, fmt.Sprintf("h%02d", i)), archive.AudioDir)
		os.MkdirAll(dir, 0o755)
		w, err := wavfile.Create(filepath.Join(dir, "judge.wav"), 16000)
		if err != nil {
			t.Fatal(err)
		}
		pcm[0] = int16(i)
		w.Write(pcm)
		w.Close()
	}
	bk := exec.Command(bin, "backup", "--data", data, "--to", dest)
	if err := bk.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && !killed {
		es, _ := os.ReadDir(filepath.Join(dest, "objects"))
		if len(es) > 3 { // copying has begun (object directories appear)
			bk.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	err := bk.Wait()
	if !killed || err == nil {
		t.Fatalf("the backup was not killed half way (killed %v, exit %v)", killed, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "LATEST")); string(b) != string(first) {
		t.Fatalf("LATEST %q after the kill, want %q", b, first)
	}
	partial, _ := filepath.Glob(filepath.Join(dest, "snapshots", ".partial-*"))
	if len(partial) != 1 {
		t.Fatalf("the killed backup left %v", partial)
	}
	to := filepath.Join(t.TempDir(), "r")
	if b, err := exec.Command(bin, "restore", "--from", dest, "--data", to).CombinedOutput(); err != nil || !strings.Contains(string(b), "audit OK") {
		t.Fatalf("restore after the kill: %v\n%s", err, b)
	}
	if b, err := exec.Command(bin, "backup", "--data", data, "--to", dest).CombinedOutput(); err != nil {
		t.Fatalf("backup after the kill: %v\n%s", err, b)
	}
	if partial, _ := filepath.Glob(filepath.Join(dest, "snapshots", ".partial-*")); len(partial) != 0 {
		t.Fatalf("leftovers after the next backup: %v", partial)
	}
}
