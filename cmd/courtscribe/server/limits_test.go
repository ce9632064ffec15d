package server

import "testing"

func TestParseDiskReserve(t *testing.T) {
	for in, want := range map[string]int64{"auto": 0, "0": -1, "512M": 512 << 20, "2G": 2 << 30, "4096": 4096, "1KiB": 1024} {
		if got, err := parseReserve(in); err != nil || got != want {
			t.Errorf("parseReserve(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "-1M", "12T", "5 M"} {
		if _, err := parseReserve(bad); err == nil {
			t.Errorf("parseReserve(%q) accepted", bad)
		}
	}
}
