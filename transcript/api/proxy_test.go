package api

import "net"
import "net/http"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript/auth"

// loginVia signs in through c with the given forwarding headers and returns the status and
// whether the session cookie was marked Secure.
func loginVia(t *testing.T, c *client, password string, hdr map[string]string) (int, bool) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.r.srv.URL+"/api/login", strings.NewReader(`{"name":"zhaoliu","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == auth.CookieName {
			return resp.StatusCode, ck.Secure
		}
	}
	return resp.StatusCode, false
}

// TestTrustedProxy: behind a TLS-terminating proxy the session cookie lacked Secure and all
// clients shared one rate-limit bucket (issue 11, low). X-Forwarded-For and -Proto are now
// honoured from --trusted-proxy addresses only.
func TestTrustedProxy(t *testing.T) {
	_, proxyNet, _ := net.ParseCIDR("127.0.0.1/32")
	r := newRig(t, func(c *Config) {
		c.Sessions = auth.Config{LoginBurst: 2, LoginEvery: time.Minute}
		c.TrustedProxies = []*net.IPNet{proxyNet}
	})
	proxy := r.anonFrom("127.0.0.1")
	https := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
	if code, secure := loginVia(t, proxy, testPassword, https); code != 200 || !secure {
		t.Fatalf("sign-in through the proxy over https: %d, Secure=%v", code, secure)
	}
	// Two clients behind the proxy have their own buckets.
	for i := 0; i < 2; i++ {
		loginVia(t, proxy, "wrong-password", map[string]string{"X-Forwarded-For": "198.51.100.1"})
	}
	if code, _ := loginVia(t, proxy, "wrong-password", map[string]string{"X-Forwarded-For": "198.51.100.1"}); code != 429 {
		t.Fatalf("third wrong password of one client behind the proxy: %d, want 429", code)
	}
	if code, _ := loginVia(t, proxy, "wrong-password", map[string]string{"X-Forwarded-For": "198.51.100.2"}); code != 401 {
		t.Fatalf("another client behind the proxy shares its bucket: %d, want 401", code)
	}
	// A spoofed chain: the client put its own X-Forwarded-For; the proxy appended the real one.
	if code, _ := loginVia(t, proxy, "wrong-password", map[string]string{"X-Forwarded-For": "198.51.100.2, 198.51.100.1"}); code != 429 {
		t.Fatalf("a forged left-hand entry chose the bucket: %d, want 429", code)
	}
	// From an address that is not a trusted proxy the headers mean nothing.
	direct := r.anonFrom("127.0.0.2")
	if code, secure := loginVia(t, direct, testPassword, https); code != 200 || secure {
		t.Fatalf("forwarding headers from an untrusted source: %d, Secure=%v", code, secure)
	}
	for i := 0; i < 2; i++ {
		loginVia(t, direct, "wrong-password", map[string]string{"X-Forwarded-For": "192.0.2." + string(rune('1'+i))})
	}
	if code, _ := loginVia(t, direct, "wrong-password", map[string]string{"X-Forwarded-For": "192.0.2.9"}); code != 429 {
		t.Fatalf("an untrusted source escaped its bucket by naming other addresses: %d, want 429", code)
	}
}
