package api

import "encoding/binary"
import "os"
import "testing"

// TestAudioRangeBounds: a huge start overflowed (200 with an empty body), and audio past 2.7 h
// of a 40 h seat file was refused because the wrapped 32-bit header size was believed (issue
// 11, low). The archive file is sparse: nothing near 4.6 GB is written.
func TestAudioRangeBounds(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 1)
	path := r.seatPath("h1", "judge")
	writeWAV(t, path, 16000)
	const samples = 40 * 3600 * 16000
	for _, declared := range []uint32{uint32(2 * samples & 0xFFFFFFFF), 0xFFFFFFFF} { // wrapped (old writer), 0xFFFFFFFF (now)
		if err := os.Truncate(path, 44+2*samples); err != nil {
			t.Skipf("no sparse file: %v", err)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], declared)
		f.WriteAt(b[:], 40)
		f.Close()
		c := r.login("viewer")
		code, _ := c.raw("GET", "/api/hearings/h1/audio/judge?start=144000&end=144001", nil, nil) // 40:00:00
		if code != 416 {
			t.Errorf("declared %#x: past the end: %d, want 416", declared, code)
		}
		code, body := c.raw("GET", "/api/hearings/h1/audio/judge?start=143990&end=143991", nil, nil) // 39:59:50
		if code != 200 || len(body) != 44+32000 {
			t.Errorf("declared %#x: one second at 39:59:50: %d, %d bytes", declared, code, len(body))
		}
	}
	c := r.login("viewer")
	for _, q := range []string{"start=1e300&end=1e301", "start=1e18&end=1e18", "start=9.3e15&end=9.3e15", "start=0&end=1e300", "start=1e12&end=1e12", "start=5e14&end=500000000000001", "start=3e14&end=300000000000000.5"} {
		code, body := c.raw("GET", "/api/hearings/h1/audio/judge?"+q, nil, nil)
		if code != 400 && code != 416 {
			t.Errorf("%s: %d %q, want 400", q, code, body)
		}
		if code == 200 {
			t.Errorf("%s: 200 with %d bytes", q, len(body))
		}
	}
}
