package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/courtscribe/courtscribe/asr/archive"
	"github.com/courtscribe/courtscribe/internal/pgtest"
)

// Issue 15 item 3 end to end: two replicas on one PostgreSQL share one data directory (the
// audio archive). The agent, given both URLs, records through replica A, which holds the
// hearing's ingest lease; A is killed with SIGKILL mid-hearing; B refuses the agent (not_owner,
// naming A) until A's lease expired, then takes it; the archive is the source sample-exact with
// no gap (0 samples lost). The failover time (kill → the agent connected to B) is logged.
func TestReplicasIngestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	if !igHasAgent(t) {
		t.Skip("this build has no agent command")
	}
	c := pgtest.Start(t)
	dbURL := c.CreateDB(t, "court")
	data := t.TempDir()
	tok := igToken(t, data, "court-7")
	const lease = 2 * time.Second
	var srvs []*igServer
	for _, name := range []string{"replica-a", "replica-b"} {
		srvs = append(srvs, igStartServer(t, data, igFreeAddr(t), "--asr", "none", "--db", dbURL,
			"--replica-name", name, "--ingest-lease", lease.String()))
	}
	a, b := srvs[0], srvs[1]
	pcm := igPCM(4, 16000*7, 17)
	src := igSourceWAV(t, pcm)
	ag := igStartAgent(t, "--server", "ws://"+a.addr+",ws://"+b.addr, "--token", tok, "--courtroom", "court-7",
		"--seats", igSeatFlag, "--source", src, "--max-backoff", "200ms", "--spool", filepath.Join(t.TempDir(), "spool"))
	igEventually(t, 10*time.Second, "the agent connected to replica A", func() bool {
		return strings.Contains(ag.out.String(), "uplink: connected") && strings.Contains(a.out.String(), "took the hearing's ingest lease")
	})
	time.Sleep(2 * time.Second)
	a.kill()
	killed := time.Now()
	var failover time.Duration
	igEventually(t, 15*time.Second, "the agent connected to replica B", func() bool {
		for _, l := range strings.Split(ag.out.String(), "\n") {
			if strings.Contains(l, "uplink: connected") && strings.Contains(l, b.addr) {
				failover = time.Since(killed)
				return true
			}
		}
		return false
	})
	ag.wait(t, 60*time.Second)
	out := ag.out.String()
	if !strings.Contains(out, "not_owner") || !strings.Contains(out, "replica-a") {
		t.Errorf("replica B did not refuse the agent while replica A's lease ran (not_owner naming replica-a):\n%s", out)
	}
	h := igOnlyHearing(t, data)
	gaps, err := archive.ReadGaps(data, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 0 {
		t.Fatalf("gaps after the failover: %+v", gaps)
	}
	igCheckExact(t, data, h, igSeats, pcm)
	t.Logf("replica A killed mid-hearing: agent connected to replica B %v later (lease %v); archive sample-exact, 0 samples lost, no gap",
		failover.Round(time.Millisecond), lease)
	b.stop()
}
