package faults

import "bytes"
import "encoding/binary"
import "encoding/json"
import "fmt"
import "io"
import "net/http"
import "path/filepath"
import "slices"
import "strings"
import "sync"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/pgtest"
import "github.com/courtscribe/courtscribe/internal/testrig"

// Issue 15 item 3 end to end: two replicas on one PostgreSQL share one data directory (the
// audio archive). The agent, given both URLs, records through replica A, which holds the
// hearing's ingest lease; A is killed with SIGKILL mid-hearing; B refuses the agent (not_owner,
// naming A) until A's lease expired, then takes it; the archive is the source sample-exact with
// no gap (0 samples lost). The failover time (kill → the agent connected to B) is logged.
// While A owns the hearing, B serves its audio ranges from the shared archive. A clerk keeps
// adding notes through A until A dies: every note A acknowledged (201) is in the record as B
// serves it afterwards (acknowledged edits lost: 0).
func TestReplicasIngestFailover(t *testing.T) {
	a, b, data, tok, dbURL := igReplicaPair(t)
	for _, u := range [][2]string{{"admin", "admin"}, {"clerk1", "clerk"}} {
		igAddUser(t, u[0], u[1], "pw-"+u[0], "--db", dbURL, "--data", t.TempDir())
	}
	pcm := testrig.NoisePCM(4, wire.SampleRate*7, 17)
	src := sourceWAV(t, pcm)
	ag := igStartAgent(t, "--server", "ws://"+a.addr+",ws://"+b.addr, "--token", tok, "--courtroom", "court-7",
		"--seats", igSeatFlag, "--source", src, "--max-backoff", "200ms", "--spool", filepath.Join(t.TempDir(), "spool"))
	testrig.Eventually(t, 10*time.Second, "the agent connected to replica A", func() bool {
		return strings.Contains(ag.Out.String(), "uplink: connected") && strings.Contains(a.Out.String(), "took the hearing's ingest lease")
	})
	h := igOnlyHearing(t, data)
	admin := apiLogin(t, "http://"+b.addr, "admin", "pw-admin")
	if code := admin.do("PATCH", "/api/hearings/"+h, map[string]any{"clerk": "clerk1"}, nil); code != 200 {
		t.Fatalf("assign the clerk: %d", code)
	}
	clerkA := apiLogin(t, "http://"+a.addr, "clerk1", "pw-clerk1")
	clerkB := &apiClient{t: t, base: "http://" + b.addr, session: &session{hc: clerkA.hc, csrf: clerkA.csrf}} // A's session, on B

	// B, which does not own the hearing, serves a range of its audio from the shared archive.
	time.Sleep(1500 * time.Millisecond)
	seat := igSeats[1].Name
	got := igAudioRange(t, clerkB, h, seat, 0.5, 1.0)
	if want := pcm[1][8000:16000]; !slices.Equal(got, want) {
		t.Fatalf("replica B served %d samples of %s 0.5–1.0 s that differ from the source (%d samples)", len(got), seat, len(want))
	}

	// The clerk adds notes through A, one after another, until A is killed.
	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for k := 1; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			text := fmt.Sprintf("书记员备注第%d条", k)
			body, _ := json.Marshal(map[string]any{"kind": "annotation", "at_ms": 1000 + k, "text": text})
			req, _ := http.NewRequest("POST", clerkA.base+"/api/hearings/"+h+"/notes", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", clerkA.base)
			req.Header.Set("X-CSRF-Token", clerkA.csrf)
			resp, err := clerkA.hc.Do(req)
			if err != nil {
				time.Sleep(20 * time.Millisecond) // A is gone: nothing acknowledged
				continue
			}
			_, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusCreated && rerr == nil {
				mu.Lock()
				acked = append(acked, text)
				mu.Unlock()
			}
		}
	}()
	time.Sleep(1 * time.Second)
	a.Kill()
	killed := time.Now()
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-done
	var failover time.Duration
	testrig.Eventually(t, 15*time.Second, "the agent connected to replica B", func() bool {
		for _, l := range strings.Split(ag.Out.String(), "\n") {
			if strings.Contains(l, "uplink: connected") && strings.Contains(l, b.addr) {
				failover = time.Since(killed)
				return true
			}
		}
		return false
	})
	ag.Wait(t, 60*time.Second)
	out := ag.Out.String()
	if !strings.Contains(out, "not_owner") || !strings.Contains(out, "replica-a") {
		t.Errorf("replica B did not refuse the agent while replica A's lease ran (not_owner naming replica-a):\n%s", out)
	}
	var rec struct {
		Notes []struct {
			Text string `json:"text"`
		} `json:"notes"`
	}
	if code := clerkB.do("GET", "/api/hearings/"+h+"/segments", nil, &rec); code != 200 {
		t.Fatalf("the record on replica B: %d", code)
	}
	have := map[string]bool{}
	for _, n := range rec.Notes {
		have[n.Text] = true
	}
	lostEdits := 0
	for _, text := range acked {
		if !have[text] {
			lostEdits++
			t.Errorf("note %q was acknowledged by replica A and is not in the record", text)
		}
	}
	if len(acked) < 5 {
		t.Fatalf("only %d notes acknowledged before the kill: the check proves nothing", len(acked))
	}
	gaps, err := archive.ReadGaps(data, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 0 {
		t.Fatalf("gaps after the failover: %+v", gaps)
	}
	igCheckExact(t, data, h, igSeats, pcm)
	t.Logf("replica A killed mid-hearing: agent connected to replica B %v later (lease %v); archive sample-exact, 0 samples lost, no gap; acknowledged edits lost: %d of %d",
		failover.Round(time.Millisecond), igReplicaLease, lostEdits, len(acked))
	b.Stop(t)
}

// igAudioRange fetches seat's audio from start to end seconds through the API and returns its
// samples (the answer is a 44-byte PCM WAV header and 16-bit little-endian samples).
func igAudioRange(t *testing.T, c *apiClient, hearing, seat string, start, end float64) []int16 {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/hearings/%s/audio/%s?start=%g&end=%g", c.base, hearing, seat, start, end), nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(b) < 44 {
		t.Fatalf("audio %s %g–%g s: %d %q", seat, start, end, resp.StatusCode, b[:min(len(b), 200)])
	}
	out := make([]int16, (len(b)-44)/2)
	binary.Read(bytes.NewReader(b[44:]), binary.LittleEndian, out)
	return out
}

// TestReplicaStalledPastItsLeaseIsFenced: replica A is frozen (SIGSTOP) mid-hearing. The agent
// finds A silent (45 s without a message), goes to replica B, which took the hearing's lease
// once A's ran out, and delivers everything there. Then A wakes (SIGCONT) with the hearing
// still open and its own, shorter idea of the seat files: the fence makes it leave them as they
// are, so the archive is still the source sample for sample. Without the fence A closes the
// files on waking and writes its stale sample counts into their headers.
func TestReplicaStalledPastItsLeaseIsFenced(t *testing.T) {
	a, b, data, tok, _ := igReplicaPair(t)
	pcm := testrig.NoisePCM(4, wire.SampleRate*5, 23)
	src := sourceWAV(t, pcm)
	ag := igStartAgent(t, "--server", "ws://"+a.addr+",ws://"+b.addr, "--token", tok, "--courtroom", "court-7",
		"--seats", igSeatFlag, "--source", src, "--max-backoff", "200ms", "--drain-timeout", "150s",
		"--spool", filepath.Join(t.TempDir(), "spool"))
	testrig.Eventually(t, 10*time.Second, "the agent connected to replica A", func() bool {
		return strings.Contains(ag.Out.String(), "uplink: connected") && strings.Contains(a.Out.String(), "took the hearing's ingest lease")
	})
	time.Sleep(2 * time.Second)
	if err := a.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	ag.Wait(t, 150*time.Second) // finishes on B: every sample acknowledged
	if out := ag.Out.String(); !strings.Contains(out, b.addr) {
		t.Fatalf("the agent never reached replica B:\n%s", out)
	}
	t.Logf("replica A frozen; the agent delivered everything through replica B %v later", time.Since(stopped).Round(time.Second))
	h := igOnlyHearing(t, data)
	igCheckExact(t, data, h, igSeats, pcm)
	if err := a.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "replica A saw that it may no longer write the hearing", func() bool {
		return strings.Contains(a.Out.String(), "may no longer write")
	})
	a.Stop(t)
	b.Stop(t)
	igCheckExact(t, data, h, igSeats, pcm)
	if gaps, err := archive.ReadGaps(data, h); err != nil || len(gaps) != 0 {
		t.Fatalf("gaps after the stall: %+v %v", gaps, err)
	}
}

// igReplicaLease is the ingest lease of igReplicaPair's servers.
const igReplicaLease = 2 * time.Second

// igReplicaPair starts two server replicas ("replica-a", "replica-b") on one fresh PostgreSQL
// database and one shared data directory (lease igReplicaLease), with an agent token for
// court-7. It skips t in -short runs and where the build has no agent command.
func igReplicaPair(t *testing.T) (a, b *server, data, token, dbURL string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end with real binaries, about a minute each")
	}
	if !testrig.HasCommand(t, "agent") {
		t.Skip("this build has no agent command")
	}
	dbURL = pgtest.Start(t).CreateDB(t, "court")
	data = t.TempDir()
	token = testrig.Token(t, data, "court-7")
	var srvs []*server
	for _, name := range []string{"replica-a", "replica-b"} {
		srvs = append(srvs, igStartServer(t, data, testrig.FreeAddr(t), "--asr", "none", "--db", dbURL,
			"--replica-name", name, "--ingest-lease", igReplicaLease.String()))
	}
	return srvs[0], srvs[1], data, token, dbURL
}
