package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/courtscribe/courtscribe/cmd/courtscribe/server"

	"github.com/spf13/pflag"
)

// Agent side of TLS: --ca-file trusts the court's own CA for a wss:// server (the system roots
// otherwise); --client-cert/--client-key present the agent's certificate for mutual TLS.
type tlsClientFlags struct {
	caFile, cert, key string
}

func (fl *tlsClientFlags) add(f *pflag.FlagSet) {
	f.StringVar(&fl.caFile, "ca-file", "", "PEM CA bundle that signed the server's certificate (wss://); default: system roots")
	f.StringVar(&fl.cert, "client-cert", "", "PEM client certificate of this agent (mutual TLS)")
	f.StringVar(&fl.key, "client-key", "", "PEM private key of --client-cert")
}

// config returns the agent's TLS configuration, or nil when no TLS flag is set.
func (fl *tlsClientFlags) config() (*tls.Config, error) {
	if fl.caFile == "" && fl.cert == "" && fl.key == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if fl.caFile != "" {
		pool, err := server.LoadCertPool(fl.caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		cfg.RootCAs = pool
	}
	if (fl.cert == "") != (fl.key == "") {
		return nil, errors.New("--client-cert and --client-key go together")
	}
	if fl.cert != "" {
		pair, err := tls.LoadX509KeyPair(fl.cert, fl.key)
		if err != nil {
			return nil, fmt.Errorf("agent client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
