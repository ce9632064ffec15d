// Package netguard bounds what one network source can hold of the HTTP server: read and idle
// timeouts (slow headers, slow bodies and idle keep-alive connections are closed) and a cap on
// the connections open at once per source address, so that a slow or idle flood from one
// address cannot take the file descriptors /readyz, sign-in and the agents need.
//
// Websockets keep their own deadlines: net/http's deadlines are cleared when a connection is
// hijacked (gorilla/websocket's Upgrade clears them too), and ingest and the live feed set read
// deadlines with pings of their own. A hijacked connection still counts against its source's
// cap until it is closed.
package netguard

import "log/slog"
import "net"
import "net/http"
import "sync"
import "sync/atomic"
import "time"

// Config tunes the guard. The zero value of a field means its default (see Default).
type Config struct {
	// ReadHeaderTimeout bounds the request line and headers, and the wait for the first
	// request on a new connection.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (API bodies are at most a few
	// MiB; agents stream over websockets, which are not bound by it).
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no next request for this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request headers.
	MaxHeaderBytes int
	// MaxConnsPerSource caps the connections open at once from one address (IPv6: one /64);
	// more are closed as soon as they are accepted. Negative: no cap.
	MaxConnsPerSource int
	// Exempt, when set, names addresses without a cap (a trusted reverse proxy carries every
	// client on its own address).
	Exempt func(net.IP) bool
	// Logger receives a line when a source hits its cap (at most one a minute per source).
	Logger *slog.Logger
}

// Default is what the server uses unless told otherwise.
func Default() Config {
	return Config{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 90 * time.Second,
		MaxHeaderBytes: 64 << 10, MaxConnsPerSource: 128}
}

func (c Config) withDefaults() Config {
	d := Default()
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if c.MaxConnsPerSource == 0 {
		c.MaxConnsPerSource = d.MaxConnsPerSource
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Server returns an http.Server for h with cfg's timeouts.
func Server(h http.Handler, cfg Config) *http.Server {
	cfg = cfg.withDefaults()
	return &http.Server{Handler: h, ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout,
		IdleTimeout: cfg.IdleTimeout, MaxHeaderBytes: cfg.MaxHeaderBytes,
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug)}
}

// Listener wraps ln with the per-source cap.
type Listener struct {
	net.Listener
	cfg     Config
	mu      sync.Mutex
	open    map[string]int
	warned  map[string]time.Time
	refused atomic.Int64
}

// Listen wraps ln with cfg's per-source connection cap.
func Listen(ln net.Listener, cfg Config) *Listener {
	return &Listener{Listener: ln, cfg: cfg.withDefaults(), open: map[string]int{}, warned: map[string]time.Time{}}
}

// Refused is how many connections the cap has closed so far.
func (l *Listener) Refused() int64 { return l.refused.Load() }

// Open is how many connections from the source of addr are open.
func (l *Listener) Open(ip net.IP) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[sourceKey(ip)]
}

// SourceKey is the address a cap or a rate limit counts: the IPv4 address, or the /64 of an
// IPv6 address (one client holds a whole /64).
func SourceKey(ip net.IP) string { return sourceKey(ip) }

func sourceKey(ip net.IP) string {
	if ip.To4() != nil {
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// Accept returns the next connection within its source's cap; connections over the cap are
// closed here and never reach the HTTP server.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.cfg.MaxConnsPerSource < 0 {
			return c, nil
		}
		ip := remoteIP(c.RemoteAddr())
		if ip == nil || (l.cfg.Exempt != nil && l.cfg.Exempt(ip)) {
			return c, nil
		}
		key := sourceKey(ip)
		l.mu.Lock()
		if l.open[key] >= l.cfg.MaxConnsPerSource {
			now := time.Now()
			warn := now.Sub(l.warned[key]) > time.Minute
			if warn {
				if len(l.warned) > 10000 {
					clear(l.warned)
				}
				l.warned[key] = now
			}
			l.mu.Unlock()
			l.refused.Add(1)
			if warn {
				l.cfg.Logger.Warn("connection refused: source at its connection cap", "source", key, "cap", l.cfg.MaxConnsPerSource)
			}
			c.Close()
			continue
		}
		l.open[key]++
		l.mu.Unlock()
		return &conn{Conn: c, l: l, key: key}, nil
	}
}

func (l *Listener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

type conn struct {
	net.Conn
	l    *Listener
	key  string
	once sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}

func remoteIP(a net.Addr) net.IP {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return nil
	}
	return net.ParseIP(host)
}

// CloseWrite half-closes the connection when the underlying one can (net/http uses it for a
// graceful close after an error answer).
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
