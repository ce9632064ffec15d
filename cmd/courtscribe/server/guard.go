package server

import "crypto/subtle"
import "errors"
import "fmt"
import "log/slog"
import "net"
import "net/http"
import "os"
import "strings"
import "time"

import "github.com/prometheus/client_golang/prometheus"
import "github.com/prometheus/client_golang/prometheus/promhttp"

import "github.com/courtscribe/courtscribe/internal/netguard"

// The server's front door: read and idle timeouts, a per-source connection cap, trusted
// reverse proxies, and who may read /metrics (issue 11, item 9 and the low items).

// GuardConfig is the front door's settings (--read-header-timeout, --read-timeout,
// --idle-timeout, --max-conns-per-source, --trusted-proxy, --metrics-listen,
// --metrics-token-file).
type GuardConfig struct {
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
	MaxConnsPerSource                           int
	TrustedProxies                              []string // CIDRs or addresses
	MetricsListen                               string
	MetricsTokenFile                            string
}

// DefaultGuardConfig is netguard's defaults, no trusted proxy, /metrics on the main listener.
func DefaultGuardConfig() GuardConfig {
	d := netguard.Default()
	return GuardConfig{ReadHeaderTimeout: d.ReadHeaderTimeout, ReadTimeout: d.ReadTimeout, IdleTimeout: d.IdleTimeout,
		MaxConnsPerSource: d.MaxConnsPerSource}
}

// parseCIDRs parses --trusted-proxy values; a bare address is one host.
func parseCIDRs(vals []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "/") {
			ip := net.ParseIP(v)
			if ip == nil {
				return nil, fmt.Errorf("--trusted-proxy %q: not an address or CIDR", v)
			}
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			v = fmt.Sprintf("%s/%d", v, bits)
		}
		_, n, err := net.ParseCIDR(v)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy: %w", err)
		}
		out = append(out, n)
	}
	return out, nil
}

func (g GuardConfig) config(log *slog.Logger) (netguard.Config, error) {
	trusted, err := parseCIDRs(g.TrustedProxies)
	if err != nil {
		return netguard.Config{}, err
	}
	cfg := netguard.Config{ReadHeaderTimeout: g.ReadHeaderTimeout, ReadTimeout: g.ReadTimeout, IdleTimeout: g.IdleTimeout,
		MaxConnsPerSource: g.MaxConnsPerSource, Logger: log.With("part", "http")}
	if len(trusted) > 0 {
		cfg.Exempt = func(ip net.IP) bool {
			for _, n := range trusted {
				if n.Contains(ip) {
					return true
				}
			}
			return false
		}
	}
	return cfg, nil
}

// ReadSecretFile reads a token file: the first line, trimmed. An empty token is an error, and
// so is a file that group or others may read.
func ReadSecretFile(path, what string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s %s: mode %v lets others read the token; chmod 600 it", what, path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	tok := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
	if tok == "" {
		return "", fmt.Errorf("%s %s is empty", what, path)
	}
	return tok, nil
}

// metricsPolicy decides who reads /metrics. Default (neither --metrics-listen nor
// --metrics-token-file): open on the main listener when it is bound to loopback only (the
// default 127.0.0.1:8080; only local processes reach it, and the benchmark scripts read it
// there), refused there otherwise, with a warning naming the two options.
type metricsPolicy struct {
	token      string // required bearer token, if any
	onMain     bool   // served on the main listener
	separateOn string // address of the separate listener, if any
}

func (g GuardConfig) metrics(listen string, log *slog.Logger) (metricsPolicy, error) {
	var p metricsPolicy
	if g.MetricsTokenFile != "" {
		tok, err := ReadSecretFile(g.MetricsTokenFile, "--metrics-token-file")
		if err != nil {
			return p, err
		}
		p.token = tok
	}
	switch {
	case g.MetricsListen != "":
		p.separateOn = g.MetricsListen
	case p.token != "":
		p.onMain = true
	case loopbackOnly(listen):
		p.onMain = true
	default:
		log.Warn("/metrics is not served on a non-loopback listener without protection; use --metrics-listen ADDR or --metrics-token-file FILE", "listen", listen)
	}
	return p, nil
}

// loopbackOnly reports whether a listen address can be reached from this machine only.
func loopbackOnly(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// gate wraps the main handler: /metrics as the policy says.
func (p metricsPolicy) gate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			h.ServeHTTP(w, r)
			return
		}
		if !p.onMain {
			http.NotFound(w, r)
			return
		}
		if !p.authorized(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (p metricsPolicy) authorized(w http.ResponseWriter, r *http.Request) bool {
	if p.token == "" {
		return true
	}
	got := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	if subtle.ConstantTimeCompare([]byte(got), []byte(p.token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		http.Error(w, "metrics need a bearer token", http.StatusUnauthorized)
		return false
	}
	return true
}

// serveSeparate starts the separate metrics listener, if any; stop closes it.
func (p metricsPolicy) serveSeparate(reg *prometheus.Registry, cfg netguard.Config, log *slog.Logger) (stop func(), err error) {
	if p.separateOn == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", p.separateOn)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	mux := http.NewServeMux()
	ph := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if p.authorized(w, r) {
			ph.ServeHTTP(w, r)
		}
	})
	hs := netguard.Server(mux, cfg)
	go func() {
		if err := hs.Serve(netguard.Listen(ln, cfg)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return func() { hs.Close() }, nil
}
