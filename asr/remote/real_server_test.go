package remote

import "context"
import "fmt"
import "net"
import "net/http"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/internal/testrig"

// findWhisperServer looks for whisper.cpp's whisper-server where docs/models.md installs it.
func findWhisperServer() (bin, lib string) {
	for _, p := range []string{os.Getenv("COURTSCRIBE_WHISPER_PREFIX"), "/opt/whisper", "/usr/local", "/usr"} {
		if p == "" {
			continue
		}
		b := filepath.Join(p, "bin", "whisper-server")
		if st, err := os.Stat(b); err == nil && !st.IsDir() {
			return b, filepath.Join(p, "lib")
		}
	}
	return "", ""
}

// TestRealWhisperServer runs the remote engine against whisper.cpp's own whisper-server with a
// test model (real compute, meaningless text), including the server going away.
func TestRealWhisperServer(t *testing.T) {
	bin, lib := findWhisperServer()
	if bin == "" {
		t.Skip("whisper-server not found (set COURTSCRIBE_WHISPER_PREFIX, or install whisper.cpp under /opt/whisper: see docs/models.md)")
	}
	if testing.Short() {
		t.Skip("starts a real whisper-server (skipped under -short)")
	}
	model := testrig.Testdata(t, "for-tests-ggml-tiny.en.bin")
	a, err := wavfile.ReadFile(testrig.Testdata(t, "jfk.wav"))
	if err != nil {
		t.Fatal(err)
	}
	pcm := a.Channels[0]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-m", model, "--host", "127.0.0.1", "--port", fmt.Sprint(port), "-t", "2")
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+lib)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cancel(); <-exited }()

	cfg := DefaultConfig()
	cfg.URLs = []string{fmt.Sprintf("http://127.0.0.1:%d", port)}
	cfg.Timeout = 3 * time.Minute
	cfg.BeamSize = 1
	e, err := New(cfg, nil, &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	deadline := time.Now().Add(60 * time.Second)
	for e.Health(ctx) != nil {
		select {
		case <-exited:
			t.Fatalf("whisper-server exited:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("whisper-server not healthy after 60 s:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	tr, err := e.Transcribe(ctx, asr.Request{PCM: pcm, Language: "en"})
	if err != nil {
		t.Fatalf("transcribe: %v\n%s", err, logs.String())
	}
	for _, s := range tr.Spans {
		if s.Start < 0 || s.End < s.Start || s.End > 11.5 {
			t.Errorf("segment %.2f..%.2f outside the 11 s of audio", s.Start, s.End)
		}
	}
	t.Logf("whisper-server: %d segments, text %.60q, language %q", len(tr.Spans), tr.Text, tr.Language)

	// the server goes away: unavailable, so the utterance would stay pending
	cancel()
	<-exited
	if _, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm[:32000], Language: "en"}); err == nil || !strings.Contains(err.Error(), "unavailable") {
		t.Errorf("after the server stopped: %v", err)
	}
}
