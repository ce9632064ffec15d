package faults

import "context"
import "crypto/tls"
import "net/http"
import "os/exec"
import "path/filepath"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestAgentOverMutualTLSEndToEnd runs the real binaries: a server with TLS and mutual TLS for
// agents, an agent that verifies the server with the court's CA and presents its certificate.
// The archive must equal the source; an agent without a client certificate is refused.
func TestAgentOverMutualTLSEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	pki := testrig.NewPKI(t)
	bin := testrig.Binary(t)
	data := t.TempDir()
	addr := testrig.FreeAddr(t)
	srv := exec.Command(bin, "server", "--listen", addr, "--data", data,
		"--tls-cert", pki.ServerCert, "--tls-key", pki.ServerKey, "--agent-client-ca", pki.CAPEM)
	out := &testrig.LineLog{}
	srv.Stdout, srv.Stderr = out, out
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Signal(syscall.SIGKILL); srv.Wait() }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.CAPool}}, Timeout: 2 * time.Second}
	testrig.Eventually(t, 20*time.Second, "TLS server ready", func() bool {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	token := testrig.Token(t, data, "room-tls")
	seats := []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 2}}
	pcm := testrig.NoisePCM(2, 3*wire.SampleRate, 7)
	src := filepath.Join(t.TempDir(), "h.wav")
	if err := wavfile.WriteMulti(src, wire.SampleRate, pcm); err != nil {
		t.Fatal(err)
	}
	run := func(extra ...string) ([]byte, error) {
		args := append([]string{"agent", "--server", "wss://" + addr, "--token", token, "--courtroom", "room-tls",
			"--seats", "judge=1,witness=2", "--source", src, "--fast", "--spool", t.TempDir(), "--drain-timeout", "3s", "--max-backoff", "500ms"}, extra...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		return exec.CommandContext(ctx, bin, args...).CombinedOutput()
	}
	if b, err := run("--ca-file", pki.CAPEM); err == nil {
		t.Fatalf("agent without a client certificate was accepted:\n%s", b)
	}
	b, err := run("--ca-file", pki.CAPEM, "--client-cert", pki.ClientCert, "--client-key", pki.ClientKey)
	if err != nil {
		t.Fatalf("agent over mutual TLS: %v\n%s\nserver:\n%s", err, b, out.String())
	}
	igCheckExact(t, data, igOnlyHearing(t, data), seats, pcm)
}
