package transcript

import "fmt"
import "strconv"
import "strings"
import "time"

// EventHearingDeleted is appended to the chain of administration (HearingID "") when an admin
// deletes a hearing: the hearing's own chain goes with it, so its last head is kept here.
// After: the HearingDeletion.
const EventHearingDeleted EventKind = "hearing.deleted"

// HearingDeletion is what the administration chain keeps of a deleted hearing: enough to prove
// later which record was removed (its chain head), by whom and why.
type HearingDeletion struct {
	Hearing    string        `json:"hearing"`
	CaseNumber string        `json:"case_number"`
	Court      string        `json:"court"`
	Courtroom  string        `json:"courtroom"`
	Status     HearingStatus `json:"status"`
	Version    int           `json:"version"`
	ClosedAt   time.Time     `json:"closed_at,omitzero"`
	Events     int64         `json:"events"` // length of the hearing's chain when it was deleted
	Head       string        `json:"head"`   // hash of its last event
	Reason     string        `json:"reason"`
	Retention  bool          `json:"retention,omitempty"` // deleted by the retention policy
}

// RetentionPolicy says how long closed hearings are kept, per court (Hearing.Court). A court
// without an entry uses Default; a zero duration keeps hearings forever. The policy only ever
// applies to hearings in status closed: a finalized or signed record is never deleted
// automatically.
type RetentionPolicy struct {
	Default time.Duration
	Courts  map[string]time.Duration
}

// KeepFor returns how long closed hearings of the court are kept (0: forever).
func (p RetentionPolicy) KeepFor(court string) time.Duration {
	if d, ok := p.Courts[court]; ok {
		return d
	}
	return p.Default
}

// Due reports whether the retention policy deletes the hearing at time now: closed (never
// finalized or signed), with a known closing time older than the court's keep period.
func (p RetentionPolicy) Due(h *Hearing, now time.Time) bool {
	keep := p.KeepFor(h.Court)
	return keep > 0 && h.Status == StatusClosed && h.Version == 0 && !h.ClosedAt.IsZero() && now.Sub(h.ClosedAt) > keep
}

// ParseRetention parses entries "COURT=DURATION" ("*=DURATION" or "default=DURATION" for every
// other court); an entry may hold several, separated by ',' (so a court name has no ','). A
// duration is a number with d (days), y (365 days) or a Go duration ("720h");
// "forever" or "0" keeps hearings forever.
func ParseRetention(entries []string) (RetentionPolicy, error) {
	p := RetentionPolicy{Courts: map[string]time.Duration{}}
	var split []string
	for _, e := range entries {
		split = append(split, strings.Split(e, ",")...)
	}
	for _, e := range split {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		i := strings.LastIndexByte(e, '=')
		if i <= 0 {
			return p, Invalidf("retention %q: want COURT=DURATION", e)
		}
		court, ds := strings.TrimSpace(e[:i]), strings.TrimSpace(e[i+1:])
		d, err := parseKeep(ds)
		if err != nil {
			return p, Invalidf("retention %q: %v", e, err)
		}
		if court == "*" || court == "default" {
			p.Default = d
			continue
		}
		if _, dup := p.Courts[court]; dup {
			return p, Invalidf("retention: court %q given twice", court)
		}
		p.Courts[court] = d
	}
	return p, nil
}

func parseKeep(s string) (time.Duration, error) {
	if s == "forever" || s == "0" {
		return 0, nil
	}
	// At most 200 years either way: records are kept for decades, and time.Duration ends at
	// about 292 years (1000y used to wrap round to a negative keep period).
	mult, most := time.Duration(0), 0
	switch {
	case strings.HasSuffix(s, "d"):
		mult, most = 24*time.Hour, 200*365
	case strings.HasSuffix(s, "y"):
		mult, most = 365*24*time.Hour, 200
	}
	if mult != 0 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n < 1 || n > most {
			return 0, fmt.Errorf("duration %q: a whole number of days or years, at most 200 years", s)
		}
		return time.Duration(n) * mult, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("duration %q: use 3650d, 10y or a Go duration", s)
	}
	return d, nil
}
