package auth

import "crypto/tls"
import "errors"
import "net"
import "net/http"
import "net/http/httptest"
import "strings"
import "testing"
import "time"

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestSessionCookieAndExpiry(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)}
	m := NewManager(Config{IdleTimeout: time.Hour, MaxAge: 3 * time.Hour}, c.now)
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/login", nil)
	s, err := m.Create(w, r, "u1", "Clerk Li", "clerk")
	if err != nil {
		t.Fatal(err)
	}
	ck := w.Result().Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode || ck[0].Secure {
		t.Fatalf("cookie over plain http: %+v", ck)
	}
	// Over TLS the cookie is Secure.
	w2 := httptest.NewRecorder()
	r2 := httptest.NewRequest("POST", "/api/login", nil)
	r2.TLS = &tls.ConnectionState{}
	if _, err := m.Create(w2, r2, "u1", "Clerk Li", "clerk"); err != nil {
		t.Fatal(err)
	}
	if !w2.Result().Cookies()[0].Secure {
		t.Fatal("cookie over TLS is not Secure")
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(ck[0])
	got, err := m.Get(req)
	if err != nil || got.UserID != "u1" || got.Role != "clerk" || got.CSRF != s.CSRF {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	// Used every 50 minutes: still alive until MaxAge.
	for i := 0; i < 3; i++ {
		c.t = c.t.Add(50 * time.Minute)
		if _, err := m.Get(req); err != nil {
			t.Fatalf("session died at %d: %v", i, err)
		}
	}
	c.t = c.t.Add(40 * time.Minute) // 3h10m after login
	if _, err := m.Get(req); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session past MaxAge: %v", err)
	}
	// Idle timeout.
	w3 := httptest.NewRecorder()
	m.Create(w3, r, "u2", "J", "judge")
	req3 := httptest.NewRequest("GET", "/", nil)
	req3.AddCookie(w3.Result().Cookies()[0])
	c.t = c.t.Add(61 * time.Minute)
	if _, err := m.Get(req3); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	// Bogus cookie.
	req4 := httptest.NewRequest("GET", "/", nil)
	req4.AddCookie(&http.Cookie{Name: CookieName, Value: "forged"})
	if _, err := m.Get(req4); !errors.Is(err, ErrNoSession) {
		t.Fatal("forged cookie accepted")
	}
}

func TestDestroyAndCSRF(t *testing.T) {
	m := NewManager(DefaultConfig(), nil)
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", nil)
	s, _ := m.Create(w, r, "u1", "n", "viewer")
	req := httptest.NewRequest("POST", "/x", nil)
	req.AddCookie(w.Result().Cookies()[0])
	if CheckCSRF(req, *s) {
		t.Fatal("missing CSRF header accepted")
	}
	req.Header.Set(CSRFHeader, s.CSRF+"x")
	if CheckCSRF(req, *s) {
		t.Fatal("wrong CSRF accepted")
	}
	req.Header.Set(CSRFHeader, s.CSRF)
	if !CheckCSRF(req, *s) {
		t.Fatal("right CSRF refused")
	}
	m.Destroy(httptest.NewRecorder(), req)
	if _, err := m.Get(req); !errors.Is(err, ErrNoSession) {
		t.Fatal("destroyed session alive")
	}
	w2 := httptest.NewRecorder()
	m.Create(w2, r, "u9", "n", "clerk")
	req2 := httptest.NewRequest("GET", "/", nil)
	req2.AddCookie(w2.Result().Cookies()[0])
	m.DestroyUser("u9")
	if _, err := m.Get(req2); !errors.Is(err, ErrNoSession) {
		t.Fatal("DestroyUser left a session")
	}
}

func TestSameOrigin(t *testing.T) {
	cases := []struct {
		origin, host string
		allowed      []string
		missing, ok  bool
	}{
		{"http://127.0.0.1:8080", "127.0.0.1:8080", nil, false, true},
		{"http://evil.example", "127.0.0.1:8080", nil, false, false},
		{"", "127.0.0.1:8080", nil, false, false},
		{"", "127.0.0.1:8080", nil, true, true},
		{"https://court.example", "10.0.0.1", []string{"https://court.example/"}, false, true},
		{"null", "h", nil, false, false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = c.host
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if got := SameOrigin(r, c.allowed, c.missing); got != c.ok {
			t.Errorf("SameOrigin(%q, host %q) = %v, want %v", c.origin, c.host, got, c.ok)
		}
	}
}

func TestLimiter(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := NewLimiter(3, 10*time.Second, c.now)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("ip:1", "user:li"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	ok, wait := l.Allow("ip:1", "user:li")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("4th attempt: ok=%v wait=%v", ok, wait)
	}
	// Another address guessing the same user is limited too.
	if ok, _ := l.Allow("ip:2", "user:li"); ok {
		t.Fatal("user bucket not shared across addresses")
	}
	if ok, _ := l.Allow("ip:2", "user:wang"); !ok {
		t.Fatal("unrelated user refused")
	}
	c.t = c.t.Add(10 * time.Second)
	if ok, _ := l.Allow("ip:1", "user:li"); !ok {
		t.Fatal("refill did not happen")
	}
	if ok, _ := l.Allow("ip:1", "user:li"); ok {
		t.Fatal("more than one token refilled in one period")
	}
}

// FuzzForwarded: any X-Forwarded-For/Proto from any peer never panics; only a trusted peer is
// believed, and the client it names is an address.
func FuzzForwarded(f *testing.F) {
	f.Add("127.0.0.1:5000", "203.0.113.7, 10.0.0.2", "https")
	f.Add("[::1]:1", "::ffff:1.2.3.4,,garbage", "HTTPS,http")
	f.Add("10.9.9.9:1", "1.1.1.1", "https")
	_, lo, _ := net.ParseCIDR("127.0.0.0/8")
	_, v6, _ := net.ParseCIDR("::1/128")
	_, ten, _ := net.ParseCIDR("10.0.0.0/24")
	trusted := []*net.IPNet{lo, v6, ten}
	f.Fuzz(func(t *testing.T, remote, xff, proto string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("X-Forwarded-Proto", proto)
		client, https, ok := Forwarded(r, trusted)
		host, _, err := net.SplitHostPort(remote)
		if err != nil {
			host = remote
		}
		peer := net.ParseIP(host)
		if ok != (peer != nil && (lo.Contains(peer) || v6.Contains(peer) || ten.Contains(peer))) {
			t.Fatalf("peer %q: believed=%v", remote, ok)
		}
		if !ok && (client != "" || https) {
			t.Fatalf("untrusted peer yielded %q %v", client, https)
		}
		if ok && net.ParseIP(client) == nil {
			t.Fatalf("client %q is not an address", client)
		}
		if ok && https != strings.EqualFold(strings.TrimSpace(proto), "https") && !strings.Contains(proto, ",") {
			t.Fatalf("proto %q gave https=%v", proto, https)
		}
	})
}
