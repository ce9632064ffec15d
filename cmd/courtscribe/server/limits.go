package server

import "fmt"
import "strconv"
import "time"

import "github.com/courtscribe/courtscribe/asr/ingest"

// The server's bounds on what an agent may make the archive hold: how long a gap may be and
// how much of the disk audio must leave to the hearing record.

// LimitsConfig is --max-gap, --first-gap and --disk-reserve.
type LimitsConfig struct {
	MaxGap      time.Duration
	FirstGap    time.Duration
	DiskReserve string // bytes with K/M/G suffix, "0" for none, "auto"
}

// DefaultLimitsConfig is ingest's defaults.
func DefaultLimitsConfig() LimitsConfig {
	return LimitsConfig{MaxGap: ingest.DefaultMaxGap, FirstGap: ingest.DefaultFirstGap, DiskReserve: "auto"}
}

func (l LimitsConfig) apply(cfg *ingest.Config) error {
	cfg.MaxGap, cfg.FirstGap = l.MaxGap, l.FirstGap
	r, err := parseReserve(l.DiskReserve)
	if err != nil {
		return fmt.Errorf("--disk-reserve: %w", err)
	}
	cfg.DiskReserve = r
	return nil
}

// parseReserve reads --disk-reserve: "auto" → 0 (ingest's default), "0" → -1 (none), else a
// size such as 512M.
func parseReserve(s string) (int64, error) {
	switch s {
	case "", "auto":
		return 0, nil
	case "0":
		return -1, nil
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (e.g. 512M, 2G)", s)
	}
	unit := s[i:]
	mult := map[string]int64{"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
	if mult == 0 || n < 0 || n > 1<<50/mult {
		return 0, fmt.Errorf("%q is not a size (e.g. 512M, 2G)", s)
	}
	if n == 0 {
		return -1, nil
	}
	return n * mult, nil
}
