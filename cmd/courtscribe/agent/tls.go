package agent

import "crypto/tls"
import "errors"
import "fmt"

import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

// TLSConfig is the agent side of TLS: CAFile trusts the court's own CA for a wss:// server
// (the system roots otherwise); Cert and Key present the agent's certificate for mutual TLS.
type TLSConfig struct {
	CAFile    string // PEM CA bundle that signed the server's certificate
	Cert, Key string // PEM client certificate and its private key
}

// load returns the agent's TLS configuration, or nil when nothing is set.
func (c TLSConfig) load() (*tls.Config, error) {
	if c.CAFile == "" && c.Cert == "" && c.Key == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pool, err := server.LoadCertPool(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		cfg.RootCAs = pool
	}
	if (c.Cert == "") != (c.Key == "") {
		return nil, errors.New("--client-cert and --client-key go together")
	}
	if c.Cert != "" {
		pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("agent client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
