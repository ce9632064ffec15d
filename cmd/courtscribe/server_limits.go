package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/courtscribe/courtscribe/asr/ingest"
)

// The server's bounds on what an agent may make the archive hold: how long a gap may be and
// how much of the disk audio must leave to the hearing record.

var srvLimits struct {
	maxGap      time.Duration
	firstGap    time.Duration
	diskReserve string
}

func init() {
	addServerFlags(func(f *pflag.FlagSet) {
		f.DurationVar(&srvLimits.maxGap, "max-gap", ingest.DefaultMaxGap, "longest gap one agent may report (a longer outage needs a new hearing)")
		f.DurationVar(&srvLimits.firstGap, "first-gap", ingest.DefaultFirstGap, "gap allowance of a hearing that has no stored audio yet")
		f.StringVar(&srvLimits.diskReserve, "disk-reserve", "auto", "disk space audio leaves free for the hearing record: bytes with K/M/G suffix, 0 for none, auto for 256M or an eighth of the file system if smaller")
	})
	addServerPrepare(func(_ context.Context, cfg *ingest.Config) error {
		cfg.MaxGap, cfg.FirstGap = srvLimits.maxGap, srvLimits.firstGap
		r, err := parseReserve(srvLimits.diskReserve)
		if err != nil {
			return fmt.Errorf("--disk-reserve: %w", err)
		}
		cfg.DiskReserve = r
		return nil
	})
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
