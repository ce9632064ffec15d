package transcript

import "os"
import "path/filepath"
import "strings"
import "time"

// CheckTimeZone accepts "" (not set: exports fall back to their defaults) or an IANA zone name
// the system's zone database knows. "Local" is refused: a record must name its zone.
func CheckTimeZone(name string) error {
	if name == "" {
		return nil
	}
	if name == "Local" || len(name) > 64 {
		return Invalidf("time zone %q: an IANA name such as Asia/Shanghai or America/Chicago", name)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return Invalidf("time zone %q: %v", name, err)
	}
	return nil
}

// Location returns the zone of name, or nil when name is "" or unknown.
func Location(name string) *time.Location {
	if name == "" || name == "Local" {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// SystemTimeZone returns the IANA name of the machine's zone: $TZ, /etc/timezone, or the
// target of the /etc/localtime link; "UTC" when none names one.
func SystemTimeZone() string {
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); tz != "" && CheckTimeZone(tz) == nil {
		return tz
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		if tz := strings.TrimSpace(string(b)); tz != "" && CheckTimeZone(tz) == nil {
			return tz
		}
	}
	if target, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if i := strings.Index(target, "zoneinfo/"); i >= 0 {
			if tz := target[i+len("zoneinfo/"):]; CheckTimeZone(tz) == nil {
				return tz
			}
		}
	}
	return "UTC"
}
