package api

import "context"
import "net"
import "net/http"
import "net/http/cookiejar"
import "strconv"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript/auth"

// anonFrom is a browser whose connections come from ip (any 127.0.0.0/8 address works on
// loopback), so one test can play several sources.
func (r *rig) anonFrom(ip string) *client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	r.t.Cleanup(tr.CloseIdleConnections)
	return &client{r: r, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: tr}}
}

// TestLockoutByOthersDoesNotDenyTheRightPassword: while wrong passwords were sent for a user,
// 12 of 12 correct sign-ins got 429 (issue 11, item 7). Failures now count per (source,
// account); the account's own backoff, across sources, spares a source that signed in as it
// before.
func TestLockoutByOthersDoesNotDenyTheRightPassword(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Sessions = auth.Config{LoginBurst: 3, LoginEvery: time.Minute} })
	good := r.anonFrom("127.0.0.2") // the clerk's own desk: signed in before
	if code := good.do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: testPassword}, nil); code != 200 {
		t.Fatalf("first sign-in: %d", code)
	}
	attacker := r.anonFrom("127.0.0.1")
	refused := 0
	for i := 0; i < 12; i++ {
		code := attacker.do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: "wrong-password"}, nil)
		if code == http.StatusTooManyRequests {
			refused++
		} else if code != 401 {
			t.Fatalf("wrong password %d: %d", i, code)
		}
	}
	if refused != 9 {
		t.Fatalf("the guessing source got %d of 12 attempts refused, want 9 (3 allowed)", refused)
	}
	if code := attacker.do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: testPassword}, nil); code != 429 {
		t.Fatalf("the guessing source with the right password: %d, want 429", code)
	}
	for i := 0; i < 12; i++ {
		if code := good.do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: testPassword}, nil); code != 200 {
			t.Fatalf("correct sign-in %d from the known desk during the attack: %d", i, code)
		}
	}
	if code := r.anonFrom("127.0.0.3").do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: testPassword}, nil); code != 200 {
		t.Fatalf("correct sign-in from a new source during a one-source attack: %d", code)
	}
	// Many sources guessing: the account backs off for sources it does not know...
	for i := 10; i < 40; i++ {
		c := r.anonFrom("127.0.1." + strconv.Itoa(i))
		for k := 0; k < 3; k++ {
			c.do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: "wrong-password"}, nil)
		}
	}
	if code := r.anonFrom("127.0.0.4").do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: testPassword}, nil); code != 429 {
		t.Fatalf("unknown source while many sources guess: %d, want 429", code)
	}
	// ...but not for the clerk's desk, nor for other users.
	if code := good.do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: testPassword}, nil); code != 200 {
		t.Fatalf("known desk while many sources guess: %d", code)
	}
	if code := r.anonFrom("127.0.0.5").do("POST", "/api/login", loginReq{Name: "zhangsan", Password: testPassword}, nil); code != 200 {
		t.Fatalf("another user: %d", code)
	}
	// One source spraying passwords over many accounts is bounded per source.
	spray := r.anonFrom("127.0.0.6")
	refused = 0
	for i := 0; i < 60; i++ {
		if code := spray.do("POST", "/api/login", loginReq{Name: "user" + strconv.Itoa(i), Password: "wrong-password"}, nil); code == 429 {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("a source trying 60 accounts was never slowed down")
	}
}
