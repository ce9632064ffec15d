package auth

import "context"
import "log/slog"
import "sync"
import "time"

// Bucket is one token bucket as a Buckets store keeps it. Found is false for a key the store
// had no row for (fn then sees a full bucket's defaults: Tokens and Last as given).
type Bucket struct {
	Key    string
	Tokens float64
	Last   time.Time
	Found  bool
}

// Buckets keeps token buckets outside the process, in a database that replicas of the server
// share, so that sign-in failures count across replicas. UpdateBuckets reads the buckets of
// keys, lets fn change them, and stores them, atomically with respect to every other
// UpdateBuckets on the same database (another replica's included).
type Buckets interface {
	UpdateBuckets(ctx context.Context, keys []string, fn func(b []Bucket)) error
}

// Limiter is a token bucket per key (client address, user name): Burst attempts at once, then
// one per Every. It bounds password guessing at the login form. Safe for concurrent use.
type Limiter struct {
	burst float64
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	keys  map[string]*bucket

	shared Buckets // when set, the buckets live there (see Share); keys are prefixed
	prefix string
	log    *slog.Logger
}

// Share keeps the limiter's buckets in b under keys prefixed with prefix. When b fails (the
// database is unreachable) the limiter falls back to its in-memory buckets.
func (l *Limiter) Share(b Buckets, prefix string, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l.mu.Lock()
	l.shared, l.prefix, l.log = b, prefix, log
	l.mu.Unlock()
}

// sharedUpdate runs fn on the shared buckets of keys (filled up to now); false when there are
// none or the store failed.
func (l *Limiter) sharedUpdate(keys []string, fn func(bs []*bucket)) bool {
	l.mu.Lock()
	sh, prefix, log := l.shared, l.prefix, l.log
	l.mu.Unlock()
	if sh == nil {
		return false
	}
	now := l.now()
	pk := make([]string, len(keys))
	for i, k := range keys {
		pk[i] = prefix + k
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := sh.UpdateBuckets(ctx, pk, func(stored []Bucket) {
		bs := make([]*bucket, len(stored))
		for i := range stored {
			b := &bucket{tokens: l.burst, last: now}
			if stored[i].Found {
				b = &bucket{tokens: stored[i].Tokens, last: stored[i].Last}
			}
			bs[i] = b
		}
		fn(bs)
		for i, b := range bs {
			stored[i].Tokens, stored[i].Last = b.tokens, b.last
		}
	})
	if err != nil {
		log.Warn("auth: shared sign-in limits unavailable; counting in this process", "err", err)
		return false
	}
	return true
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
	var ok bool
	var wait time.Duration
	if l.sharedUpdate(keys, func(bs []*bucket) { ok, wait = l.allow(bs, l.now()) }) {
		return ok, wait
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gcLocked(now)
	bs := make([]*bucket, 0, len(keys))
	for _, k := range keys {
		b, ok := l.keys[k]
		if !ok {
			b = &bucket{tokens: l.burst, last: now}
			l.keys[k] = b
		}
		bs = append(bs, b)
	}
	return l.allow(bs, now)
}

// allow is Allow on the given buckets.
func (l *Limiter) allow(bs []*bucket, now time.Time) (bool, time.Duration) {
	var wait time.Duration
	for _, b := range bs {
		t := l.fill(b, now)
		b.tokens, b.last = t, now
		if t < 1 {
			w := time.Duration((1 - t) * float64(l.every))
			if w > wait {
				wait = w
			}
		}
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
	var wait time.Duration
	if l.sharedUpdate(keys, func(bs []*bucket) {
		now := l.now()
		for _, b := range bs {
			if t := l.fill(b, now); t < 1 {
				wait = max(wait, time.Duration((1-t)*float64(l.every)))
			}
		}
	}) {
		return wait == 0, wait
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
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
	if l.sharedUpdate(keys, func(bs []*bucket) {
		now := l.now()
		for _, b := range bs {
			b.tokens, b.last = max(l.fill(b, now)-1, 0), now
		}
	}) {
		return
	}
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
	shared                Buckets              // known desks shared by replicas (see Share)
	log                   *slog.Logger
}

// Share keeps the guard's buckets and known desks in b, a database the server's replicas
// share, so that failures count across replicas and a desk known to one is known to all.
func (g *LoginGuard) Share(b Buckets, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g.source.Share(b, "login-source\x00", log)
	g.pair.Share(b, "login-pair\x00", log)
	g.account.Share(b, "login-account\x00", log)
	g.mu.Lock()
	g.shared, g.log = b, log
	g.mu.Unlock()
}

// sharedDesk reads (set false) or records (set true) a known desk in the shared buckets; ok
// false when there are none or they failed.
func (g *LoginGuard) sharedDesk(key string, set bool) (known, ok bool) {
	g.mu.Lock()
	sh, log := g.shared, g.log
	g.mu.Unlock()
	if sh == nil {
		return false, false
	}
	now := g.now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := sh.UpdateBuckets(ctx, []string{"login-desk\x00" + key}, func(bs []Bucket) {
		known = bs[0].Found && now.Sub(bs[0].Last) <= knownFor
		if set {
			bs[0].Last = now
		}
	})
	if err != nil {
		log.Warn("auth: shared known desks unavailable; using this process's", "err", err)
		return false, false
	}
	return known, true
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
	g.sharedDesk(source+"\x00"+user, true) // and in memory, should the store fail later
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
	if known, ok := g.sharedDesk(source+"\x00"+user, false); ok {
		return known
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.known[source+"\x00"+user]
	return ok && g.now().Sub(at) <= knownFor
}
