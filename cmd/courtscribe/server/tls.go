package server

import "crypto/tls"
import "crypto/x509"
import "errors"
import "fmt"
import "net"
import "net/http"
import "os"

import "github.com/courtscribe/courtscribe/asr/ingest"

// TLS for the server: --tls-cert/--tls-key serve HTTPS and wss:// on the same listener;
// --agent-client-ca additionally requires agents on /v1/agent to present a client certificate
// signed by that CA (mutual TLS). Browsers are not asked for certificates: the API and UI keep
// their password sessions.
type TLSConfig struct {
	Cert, Key     string // PEM files (--tls-cert, --tls-key)
	AgentClientCA string // PEM CA bundle (--agent-client-ca)
}

// serverTLSConfig builds the listener's TLS configuration; nil without --tls-cert.
func serverTLSConfig(fl TLSConfig) (*tls.Config, error) {
	if fl.Cert == "" && fl.Key == "" {
		if fl.AgentClientCA != "" {
			return nil, errors.New("--agent-client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if fl.Cert == "" || fl.Key == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	pair, err := tls.LoadX509KeyPair(fl.Cert, fl.Key)
	if err != nil {
		return nil, fmt.Errorf("TLS key pair: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if fl.AgentClientCA != "" {
		pool, err := LoadCertPool(fl.AgentClientCA)
		if err != nil {
			return nil, fmt.Errorf("--agent-client-ca: %w", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// LoadCertPool reads a PEM CA bundle (the server's --agent-client-ca, the agent's --ca-file).
func LoadCertPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// applyServerTLS wraps the listener in TLS when configured and, with mutual TLS, refuses agent
// connections that did not present a verified client certificate.
func applyServerTLS(ln net.Listener, h http.Handler, fl TLSConfig) (net.Listener, http.Handler, error) {
	cfg, err := serverTLSConfig(fl)
	if err != nil || cfg == nil {
		return ln, h, err
	}
	if cfg.ClientAuth == tls.VerifyClientCertIfGiven {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == ingest.AgentPath && (r.TLS == nil || len(r.TLS.VerifiedChains) == 0) {
				http.Error(w, "agent client certificate required (mutual TLS)", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	return tls.NewListener(ln, cfg), h, nil
}
