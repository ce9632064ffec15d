package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/spf13/pflag"

	"github.com/courtscribe/courtscribe/asr/ingest"
)

// TLS for the server: --tls-cert/--tls-key serve HTTPS and wss:// on the same listener;
// --agent-client-ca additionally requires agents on /v1/agent to present a client certificate
// signed by that CA (mutual TLS). Browsers are not asked for certificates: the API and UI keep
// their password sessions.
type tlsFlags struct {
	cert, key, clientCA string
}

var srvTLS tlsFlags

func init() {
	addServerFlags(func(f *pflag.FlagSet) {
		f.StringVar(&srvTLS.cert, "tls-cert", "", "PEM certificate (chain) to serve HTTPS/wss")
		f.StringVar(&srvTLS.key, "tls-key", "", "PEM private key of --tls-cert")
		f.StringVar(&srvTLS.clientCA, "agent-client-ca", "", "PEM CA bundle: agents must present a client certificate it signed (mutual TLS)")
	})
}

// serverTLSConfig builds the listener's TLS configuration; nil without --tls-cert.
func serverTLSConfig(fl tlsFlags) (*tls.Config, error) {
	if fl.cert == "" && fl.key == "" {
		if fl.clientCA != "" {
			return nil, errors.New("--agent-client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if fl.cert == "" || fl.key == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	pair, err := tls.LoadX509KeyPair(fl.cert, fl.key)
	if err != nil {
		return nil, fmt.Errorf("TLS key pair: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if fl.clientCA != "" {
		pool, err := loadCertPool(fl.clientCA)
		if err != nil {
			return nil, fmt.Errorf("--agent-client-ca: %w", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

func loadCertPool(path string) (*x509.CertPool, error) {
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
func applyServerTLS(ln net.Listener, h http.Handler, fl tlsFlags) (net.Listener, http.Handler, error) {
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
