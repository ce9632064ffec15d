package auth

import (
	"sync"
	"time"
)

// Limiter is a token bucket per key (client address, user name): Burst attempts at once, then
// one per Every. It bounds password guessing at the login form. Safe for concurrent use.
type Limiter struct {
	burst float64
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	keys  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter; now is the clock.
func NewLimiter(burst int, every time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if burst < 1 {
		burst = 1
	}
	if every <= 0 {
		every = time.Second
	}
	return &Limiter{burst: float64(burst), every: every, now: now, keys: map[string]*bucket{}}
}

// Allow takes one token from every key's bucket; it reports false (and takes nothing) when any
// of them is empty, with the time after which a retry may succeed.
func (l *Limiter) Allow(keys ...string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gcLocked(now)
	var wait time.Duration
	bs := make([]*bucket, 0, len(keys))
	for _, k := range keys {
		b, ok := l.keys[k]
		if !ok {
			b = &bucket{tokens: l.burst, last: now}
			l.keys[k] = b
		}
		t := l.fill(b, now)
		b.tokens, b.last = t, now
		if t < 1 {
			w := time.Duration((1 - t) * float64(l.every))
			if w > wait {
				wait = w
			}
		}
		bs = append(bs, b)
	}
	if wait > 0 {
		return false, wait
	}
	for _, b := range bs {
		b.tokens--
	}
	return true, 0
}

// Check reports whether every key's bucket holds a token, without taking any.
func (l *Limiter) Check(keys ...string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		b, ok := l.keys[k]
		if !ok {
			continue
		}
		if t := l.fill(b, now); t < 1 {
			wait = max(wait, time.Duration((1-t)*float64(l.every)))
		}
	}
	return wait == 0, wait
}

// Take takes one token from every key's bucket (down to zero), allowed or not: a failure
// that already happened is counted.
func (l *Limiter) Take(keys ...string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gcLocked(now)
	for _, k := range keys {
		b, ok := l.keys[k]
		if !ok {
			b = &bucket{tokens: l.burst, last: now}
			l.keys[k] = b
		}
		b.tokens, b.last = max(l.fill(b, now)-1, 0), now
	}
}

func (l *Limiter) gcLocked(now time.Time) {
	if len(l.keys) > 100000 { // bound memory against address-spraying clients
		for k, b := range l.keys {
			if l.fill(b, now) >= l.burst {
				delete(l.keys, k)
			}
		}
	}
}

func (l *Limiter) fill(b *bucket, now time.Time) float64 {
	t := b.tokens + float64(now.Sub(b.last))/float64(l.every)
	if t > l.burst {
		t = l.burst
	}
	return t
}

// LoginGuard throttles sign-ins without letting anyone lock a user out (see Config.LoginBurst):
// every attempt costs a token of its source; a failure costs a token of its (source, user)
// pair and of the user; the user's bucket is not asked for a source that signed in as that
// user before (a known desk). Safe for concurrent use.
type LoginGuard struct {
	source, pair, account *Limiter
	now                   func() time.Time
	mu                    sync.Mutex
	known                 map[string]time.Time // source + "\x00" + user → last successful sign-in
}

// knownFor is how long a successful sign-in makes its source a known desk for that user.
const knownFor = 30 * 24 * time.Hour

// maxKnown bounds the known-desk memory.
const maxKnown = 100000

// NewLoginGuard returns a guard with cfg's LoginBurst and LoginEvery (defaults when zero).
func NewLoginGuard(cfg Config, now func() time.Time) *LoginGuard {
	def := DefaultConfig()
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = def.LoginBurst
	}
	if cfg.LoginEvery <= 0 {
		cfg.LoginEvery = def.LoginEvery
	}
	if now == nil {
		now = time.Now
	}
	b, e := cfg.LoginBurst, cfg.LoginEvery
	return &LoginGuard{now: now, known: map[string]time.Time{},
		source:  NewLimiter(6*b, max(e/6, time.Nanosecond), now),
		pair:    NewLimiter(b, e, now),
		account: NewLimiter(6*b, max(e/2, time.Nanosecond), now)}
}

// Allow reports whether source may try to sign in as user now; when not, how long to wait.
// It takes a token of the source's bucket.
func (g *LoginGuard) Allow(source, user string) (bool, time.Duration) {
	if ok, wait := g.pair.Check(source + "\x00" + user); !ok {
		return false, wait
	}
	if !g.knownDesk(source, user) {
		if ok, wait := g.account.Check(user); !ok {
			return false, wait
		}
	}
	return g.source.Allow(source)
}

// Failed counts a wrong password from source for user.
func (g *LoginGuard) Failed(source, user string) {
	g.pair.Take(source + "\x00" + user)
	g.account.Take(user)
}

// Succeeded makes source a known desk for user.
func (g *LoginGuard) Succeeded(source, user string) {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.known) >= maxKnown {
		for k, at := range g.known {
			if now.Sub(at) > knownFor || len(g.known) >= maxKnown {
				delete(g.known, k)
			}
		}
	}
	g.known[source+"\x00"+user] = now
}

func (g *LoginGuard) knownDesk(source, user string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.known[source+"\x00"+user]
	return ok && g.now().Sub(at) <= knownFor
}
