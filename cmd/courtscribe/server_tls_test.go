package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/courtscribe/courtscribe/capture/wavfile"
	"github.com/courtscribe/courtscribe/capture/wire"
)

type testPKI struct {
	dir                  string
	caPEM                string
	serverCert, srvKey   string
	clientCert, cliKey   string
	caPool               *x509.CertPool
	clientPair           tls.Certificate
	otherCA              *x509.CertPool
	selfSignedClientPair tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	p := &testPKI{dir: dir}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "court test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
		return path
	}
	p.caPEM = write("ca.pem", "CERTIFICATE", caDER)
	p.caPool = x509.NewCertPool()
	p.caPool.AddCert(ca)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, signer *x509.Certificate, signKey *ecdsa.PrivateKey) ([]byte, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		if signer == nil {
			signer, signKey = tmpl, k
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &k.PublicKey, signKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	keyPEM := func(name string, k *ecdsa.PrivateKey) string {
		b, _ := x509.MarshalECPrivateKey(k)
		return write(name, "EC PRIVATE KEY", b)
	}
	sDER, sKey := leaf(2, "courtscribe server", x509.ExtKeyUsageServerAuth, ca, caKey)
	p.serverCert, p.srvKey = write("server.pem", "CERTIFICATE", sDER), keyPEM("server.key", sKey)
	cDER, cKey := leaf(3, "agent room-1", x509.ExtKeyUsageClientAuth, ca, caKey)
	p.clientCert, p.cliKey = write("client.pem", "CERTIFICATE", cDER), keyPEM("client.key", cKey)
	p.clientPair, err = tls.LoadX509KeyPair(p.clientCert, p.cliKey)
	if err != nil {
		t.Fatal(err)
	}
	xDER, xKey := leaf(4, "rogue agent", x509.ExtKeyUsageClientAuth, nil, nil)
	p.selfSignedClientPair, _ = tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: xDER}),
		func() []byte {
			b, _ := x509.MarshalECPrivateKey(xKey)
			return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b})
		}())
	return p
}

func TestServerTLSAndAgentMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/agent", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("agent ok")) })
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	raw, _ := net.Listen("tcp", "127.0.0.1:0")
	ln, h, err := applyServerTLS(raw, mux, tlsFlags{cert: pki.serverCert, key: pki.srvKey, clientCA: pki.caPEM})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	defer hs.Close()
	base := "https://" + raw.Addr().String()
	get := func(path string, cfg *tls.Config) (int, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 5 * time.Second}
		resp, err := c.Get(base + path)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if _, err := get("/healthz", &tls.Config{}); err == nil {
		t.Error("a client that does not trust the court's CA connected: the agent must verify the server")
	}
	if code, err := get("/healthz", &tls.Config{RootCAs: pki.caPool}); err != nil || code != 200 {
		t.Errorf("browser-like client on /healthz: %d %v", code, err)
	}
	if code, _ := get("/v1/agent", &tls.Config{RootCAs: pki.caPool}); code != http.StatusUnauthorized {
		t.Errorf("agent without client certificate: %d, want 401", code)
	}
	if code, err := get("/v1/agent", &tls.Config{RootCAs: pki.caPool, Certificates: []tls.Certificate{pki.clientPair}}); err != nil || code != 200 {
		t.Errorf("agent with the court's client certificate: %d %v", code, err)
	}
	if code, err := get("/v1/agent", &tls.Config{RootCAs: pki.caPool, Certificates: []tls.Certificate{pki.selfSignedClientPair}}); err == nil && code == 200 {
		t.Error("agent with a self-signed client certificate was let in")
	}
}

func TestServerTLSFlagErrors(t *testing.T) {
	pki := newTestPKI(t)
	for _, fl := range []tlsFlags{{cert: pki.serverCert}, {clientCA: pki.caPEM}, {cert: pki.serverCert, key: pki.cliKey},
		{cert: pki.serverCert, key: pki.srvKey, clientCA: pki.srvKey}, {cert: "/nonexistent", key: "/nonexistent"}} {
		if _, err := serverTLSConfig(fl); err == nil {
			t.Errorf("%+v accepted", fl)
		}
	}
	if c, err := serverTLSConfig(tlsFlags{}); c != nil || err != nil {
		t.Error("no flags must mean plain HTTP")
	}
}

// TestAgentOverMutualTLSEndToEnd runs the real binaries: a server with TLS and mutual TLS for
// agents, an agent that verifies the server with the court's CA and presents its certificate.
// The archive must equal the source; an agent without a client certificate is refused.
func TestAgentOverMutualTLSEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	pki := newTestPKI(t)
	bin := igBinary(t)
	data := t.TempDir()
	addr := igFreeAddr(t)
	srv := exec.Command(bin, "server", "--listen", addr, "--data", data,
		"--tls-cert", pki.serverCert, "--tls-key", pki.srvKey, "--agent-client-ca", pki.caPEM)
	out := &syncBuffer{}
	srv.Stdout, srv.Stderr = out, out
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Signal(syscall.SIGKILL); srv.Wait() }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.caPool}}, Timeout: 2 * time.Second}
	igEventually(t, 20*time.Second, "TLS server ready", func() bool {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	token := igToken(t, data, "room-tls")
	seats := []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 2}}
	pcm := igPCM(2, 3*16000, 7)
	src := filepath.Join(t.TempDir(), "h.wav")
	if err := wavfile.WriteMulti(src, 16000, pcm); err != nil {
		t.Fatal(err)
	}
	run := func(extra ...string) ([]byte, error) {
		args := append([]string{"agent", "--server", "wss://" + addr, "--token", token, "--courtroom", "room-tls",
			"--seats", "judge=1,witness=2", "--source", src, "--fast", "--spool", t.TempDir(), "--drain-timeout", "3s", "--max-backoff", "500ms"}, extra...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		return exec.CommandContext(ctx, bin, args...).CombinedOutput()
	}
	if b, err := run("--ca-file", pki.caPEM); err == nil {
		t.Fatalf("agent without a client certificate was accepted:\n%s", b)
	}
	b, err := run("--ca-file", pki.caPEM, "--client-cert", pki.clientCert, "--client-key", pki.cliKey)
	if err != nil {
		t.Fatalf("agent over mutual TLS: %v\n%s\nserver:\n%s", err, b, out.String())
	}
	igCheckExact(t, data, igOnlyHearing(t, data), seats, pcm)
}
