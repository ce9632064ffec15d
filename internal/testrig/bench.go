package testrig

import "cmp"
import "os"
import "slices"
import "strconv"
import "time"

// EnvInt is the positive whole number in the environment variable name (a benchmark's run
// count, a soak's size), or def when it is unset, not a number or not positive. A benchmark
// that runs only when asked takes def 0 and skips on 0.
func EnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// Quantile is the p-quantile (0 ≤ p ≤ 1) of xs by nearest rank: the element at index p·len of
// a sorted copy, the last for p = 1; the zero value for none. Quantile(xs, 0.5) is the median
// (the upper one of an even count). xs is not changed.
func Quantile[T cmp.Ordered](xs []T, p float64) T {
	if len(xs) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// Millis is d in milliseconds to the microsecond, as benchmark reports print latencies.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
