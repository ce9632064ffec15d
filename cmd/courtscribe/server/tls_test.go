package server

import "crypto/tls"
import "net"
import "net/http"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"

func TestServerTLSAndAgentMutualTLS(t *testing.T) {
	pki := testrig.NewPKI(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/agent", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("agent ok")) })
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	raw, _ := net.Listen("tcp", "127.0.0.1:0")
	ln, h, err := applyServerTLS(raw, mux, TLSConfig{Cert: pki.ServerCert, Key: pki.ServerKey, AgentClientCA: pki.CAPEM})
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
	if code, err := get("/healthz", &tls.Config{RootCAs: pki.CAPool}); err != nil || code != 200 {
		t.Errorf("browser-like client on /healthz: %d %v", code, err)
	}
	if code, _ := get("/v1/agent", &tls.Config{RootCAs: pki.CAPool}); code != http.StatusUnauthorized {
		t.Errorf("agent without client certificate: %d, want 401", code)
	}
	if code, err := get("/v1/agent", &tls.Config{RootCAs: pki.CAPool, Certificates: []tls.Certificate{pki.ClientPair}}); err != nil || code != 200 {
		t.Errorf("agent with the court's client certificate: %d %v", code, err)
	}
	if code, err := get("/v1/agent", &tls.Config{RootCAs: pki.CAPool, Certificates: []tls.Certificate{pki.SelfSignedClientPair}}); err == nil && code == 200 {
		t.Error("agent with a self-signed client certificate was let in")
	}
}

func TestServerTLSFlagErrors(t *testing.T) {
	pki := testrig.NewPKI(t)
	for _, fl := range []TLSConfig{{Cert: pki.ServerCert}, {AgentClientCA: pki.CAPEM}, {Cert: pki.ServerCert, Key: pki.ClientKey},
		{Cert: pki.ServerCert, Key: pki.ServerKey, AgentClientCA: pki.ServerKey}, {Cert: "/nonexistent", Key: "/nonexistent"}} {
		if _, err := serverTLSConfig(fl); err == nil {
			t.Errorf("%+v accepted", fl)
		}
	}
	if c, err := serverTLSConfig(TLSConfig{}); c != nil || err != nil {
		t.Error("no flags must mean plain HTTP")
	}
}
