package faults

import "bufio"
import "fmt"
import "net/http"
import "os"
import "os/exec"
import "path/filepath"
import "strconv"
import "strings"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// mountTmpfs mounts a tmpfs of the given size at a fresh directory, or skips loudly when this
// machine does not allow it (not root, no CAP_SYS_ADMIN in a container).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("SKIP (disk full not tested): cannot mount a tmpfs here (%v: %s); run as root with CAP_SYS_ADMIN", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a filler file that leaves about leave bytes free on dir's filesystem.
func fillDisk(t *testing.T, dir string, leave int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for n := int64(0); n < free-leave; n += int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), free-leave-n)]); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// metricSum adds every sample of a metric family whose labels contain match.
func metricSum(addr, name, match string) float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, name) && strings.Contains(l, match) {
			f := strings.Fields(l)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum
}

// spoolBytes is the size of the agent's unacknowledged frames: the spool's segment files,
// not its local copy (which grows whatever the server does).
func spoolBytes(dir string) int64 {
	var n int64
	ms, _ := filepath.Glob(filepath.Join(dir, "seg-*.spool"))
	for _, m := range ms {
		if fi, err := os.Stat(m); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func readyCode(addr string) int {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// bugDroppedSegment names the loss of utterances the record could not store (fixed: the
// stream retries them until the record takes them).
const bugDroppedSegment = "asr/stream (Stream.utterance): when Record.AppendSegment fails (SQLite: database or disk is full) " +
	"the utterance is logged and dropped; nothing retries it after space returns, so the record has no segment " +
	"(not even pending) for speech that is in the archive"

// TestServerDiskFull: the server's data directory is a 16 MiB tmpfs filled up mid-hearing.
// Expected: acknowledgements stop, the agent keeps capturing into its spool, the server says so
// (/readyz 503, storage errors counted and logged), and after space returns (the filler is
// deleted) everything is delivered: the archive equals the source, nothing lost or doubled.
func TestServerDiskFull(t *testing.T) {
	t.Parallel()
	data := mountTmpfs(t, "16m")
	full := pick(6*time.Second, 60*time.Second)
	seconds := 4 + full.Seconds() + 6
	addr := testrig.FreeAddr(t)
	tok := testrig.Token(t, data, "court-disk")
	addUser(t, data, "viewer", "viewer")
	srv := startServer(t, data, addr)
	path, h := generate(t, 4, seconds, 121, false)
	spool := filepath.Join(t.TempDir(), "spool")
	ag := testrig.Start(t, "agent", nil, agentArgs(addr, tok, "court-disk", 4, path, spool, "--close-hearing")...)
	hearing := hearingOf(t, ag, 20*time.Second)
	time.Sleep(2 * time.Second)

	filler := fillDisk(t, data, 192<<10)
	fullAt := time.Now()
	testrig.Eventually(t, 15*time.Second, "/readyz to report the full data directory", func() bool { return readyCode(addr) == 503 })
	spool0 := spoolBytes(spool)
	archived0, _ := metric(addr, "courtscribe_ingest_archived_bytes_total")
	for time.Since(fullAt) < full {
		if ag.Exited() {
			t.Fatalf("the agent gave up while the server's disk was full:\n%s", testrig.Tail(ag.Out.String(), 4000))
		}
		time.Sleep(200 * time.Millisecond)
	}
	spool1 := spoolBytes(spool)
	storageErrors := metricSum(addr, "courtscribe_ingest_errors_total", "storage")
	archived, _ := metric(addr, "courtscribe_ingest_archived_bytes_total")
	t.Logf("disk full for %v: /readyz %d, storage errors counted %v, agent spool %d → %d bytes, archived %v → %v bytes, server alive %v",
		full, readyCode(addr), storageErrors, spool0, spool1, archived0, archived, !srv.Exited())
	if archived != archived0 {
		t.Fatalf("the server kept archiving on a full disk (%v → %v bytes): acks did not stop", archived0, archived)
	}
	if grow, want := spool1-spool0, int64(full.Seconds()*wire.SampleRate*2*4/2); grow < want {
		t.Fatalf("the agent's spool grew %d bytes in %v of full disk, want ≥ %d: it did not keep capturing", grow, full, want)
	}
	for _, what := range []string{"no space left", "storage_error", "disk is full", "SQLITE_FULL"} {
		if _, line, ok := srv.Out.First(what); ok {
			t.Logf("server log, first line with %q: %.400s", what, line)
		}
	}
	if _, line, ok := ag.Out.First("storage"); ok {
		t.Logf("agent log, first line with \"storage\": %.400s", line)
	}
	if srv.Exited() {
		t.Fatalf("the server died of a full disk:\n%s", testrig.Tail(srv.Out.String(), 4000))
	}
	if storageErrors <= 0 && !strings.Contains(strings.ToLower(srv.Out.String()), "no space") {
		t.Fatalf("a full disk left no trace in /metrics or the log:\n%s", testrig.Tail(srv.Out.String(), 4000))
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "/readyz to recover", func() bool { return readyCode(addr) == 200 })
	ag.Wait(t, time.Duration(seconds)*time.Second+90*time.Second)
	testrig.Eventually(t, 15*time.Second, "the manifest", func() bool {
		_, err := os.Stat(filepath.Join(archive.HearingDir(data, hearing), archive.ManifestFile))
		return err == nil
	})
	checkArchive(t, data, hearing, h)
	segs, err := login(t, addr, "viewer").segments(hearing)
	if err != nil {
		t.Fatal(err)
	}
	miss := uncovered(h, segs)
	_, _, sqliteFull := srv.Out.First("disk is full")
	knownBugCheck(t, len(miss) > 0, bugDroppedSegment,
		fmt.Sprintf("%d of %d spoken turns have no segment in the record (sample ranges %+v; the record reported a full disk: %v); their audio is archived",
			len(miss), len(h.Turns)-1, miss, sqliteFull))
	t.Logf("record: %d segments, %d turns without one", len(segs), len(miss))
	srv.Stop(t)
}
