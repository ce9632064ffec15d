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
	if len(l.keys) > 100000 { // bound memory against address-spraying clients
		for k, b := range l.keys {
			if l.fill(b, now) >= l.burst {
				delete(l.keys, k)
			}
		}
	}
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

func (l *Limiter) fill(b *bucket, now time.Time) float64 {
	t := b.tokens + float64(now.Sub(b.last))/float64(l.every)
	if t > l.burst {
		t = l.burst
	}
	return t
}
