package testrig

import "sync"
import "time"

// TickClock is a test clock that moves on by its step at every reading, so that two readings
// never tie (record events, audit entries and backups are ordered by time). It is safe for
// concurrent use.
type TickClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

// NewTickClock is a TickClock whose first reading is start + step.
func NewTickClock(start time.Time, step time.Duration) *TickClock {
	return &TickClock{t: start, step: step}
}

// Now moves the clock on by its step and reads it.
func (c *TickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}
