package sqlite

import "bufio"
import "context"
import "fmt"
import "os"
import "os/exec"
import "strconv"
import "strings"
import "sync"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

const crashChildEnv = "COURTSCRIBE_TRANSCRIPT_CRASH_CHILD"

// crashChild runs in a child process: it appends segments and edits as fast as it can and
// prints "ack ID REV" after each acknowledged write, until it is killed.
func crashChild() {
	dir := os.Getenv(crashChildEnv)
	ctx := context.Background()
	s, err := OpenData(ctx, dir, testOptions(dir))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	// Four writers at once, so kills also land inside group commits of several requests.
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				at := int64(w*1_000_000 + i*10)
				g, err := s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: at, EndMS: at + 5})
				if err != nil {
					fmt.Println("error", err)
					os.Exit(2)
				}
				g, err = s.EditText(ctx, "zhaoliu", g.ID, g.Revision, "第"+strconv.Itoa(i)+"句")
				if err != nil {
					fmt.Println("error", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %d\n", g.ID, g.Revision)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process and kills it (skipped under -short)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	createH1(t, dir)

	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[int64]int64{}
		sc := bufio.NewScanner(stdout)
		deadline := time.Now().Add(20 * time.Second)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if f[0] != "ack" {
				t.Fatalf("child: %s", sc.Text())
			}
			id, _ := strconv.ParseInt(f[1], 10, 64)
			rev, _ := strconv.ParseInt(f[2], 10, 64)
			acked[id] = rev
			if len(acked) >= 40+round*17 || time.Now().After(deadline) {
				break
			}
		}
		// SIGKILL in the middle of writing: no chance to flush or close anything.
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // acks printed before the kill landed count too
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "ack" {
				id, _ := strconv.ParseInt(f[1], 10, 64)
				rev, _ := strconv.ParseInt(f[2], 10, 64)
				acked[id] = rev
			}
		}
		cmd.Wait()
		if len(acked) == 0 {
			t.Fatal("child acknowledged nothing")
		}
		s, err := OpenData(ctx, dir, testOptions(dir))
		if err != nil {
			t.Fatal(err)
		}
		for id, rev := range acked {
			g, err := s.GetSegment(ctx, id)
			if err != nil {
				t.Fatalf("round %d: acknowledged segment %d lost: %v", round, id, err)
			}
			if g.Revision < rev || !strings.HasPrefix(g.Text, "第") {
				t.Fatalf("round %d: acknowledged edit of segment %d lost: %+v", round, id, g)
			}
		}
		rep, err := s.AuditHearing(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("round %d: chain broken after SIGKILL: %+v", round, rep.Problems)
		}
		s.Close()
	}
}
