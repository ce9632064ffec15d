package faults

import "encoding/binary"
import "io"
import "os"
import "path/filepath"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestSeatFile40Hours (issue 11, low: "WAV headers wrap after ~37 h per seat and the API
// refuses audio past 2.7 h"): the real server records a hearing, is stopped, its seat files are
// made 40 h long (a hole: the hearing ran that long), and it is started again. The agent's next
// frame, at 40 h, is acknowledged (it used to be refused past the WAV limit); the seat file is
// RF64 with exact ds64 sizes; and the audio API serves the first and the last samples exactly.
func TestSeatFile40Hours(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addUser(t, data, "admin1", "admin")
	tok := testrig.Token(t, data, "court-a")
	addr := testrig.FreeAddr(t)
	srv := startServer(t, data, addr)
	a := dialHostile(t, srv.addr, tok, "court-a", "long-1", 2)
	a.audio(1600)
	if ok, e := a.answer(); !ok {
		t.Fatalf("first audio frame: %v", e)
	}
	a.ws.Close()
	srv.Stop(t)

	const at40 = 40 * 3600 * wire.SampleRate
	seats, _ := filepath.Glob(filepath.Join(archive.HearingDir(data, "*"), archive.AudioDir, "seat0*.wav"))
	if len(seats) != 2 {
		t.Fatalf("seat files %v", seats)
	}
	for _, p := range seats {
		w, err := wavfile.Open(p, wire.SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteSilence(at40 - w.Samples()); err != nil {
			t.Skipf("no sparse 4.6 GB file here: %v", err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	hearing := filepath.Base(filepath.Dir(filepath.Dir(seats[0])))

	srv = startServer(t, data, addr)
	defer srv.Stop(t)
	a = dialHostile(t, srv.addr, tok, "court-a", "long-1", 2)
	if a.next != at40 {
		t.Fatalf("resumed at sample %d, want %d", a.next, at40)
	}
	start := time.Now()
	a.audio(1600)
	if ok, e := a.answer(); !ok {
		t.Fatalf("audio at 40 h refused: %v", e)
	}
	took := time.Since(start)
	a.ws.Close()

	var hdr [wavfile.HeaderSize]byte
	f, err := os.Open(seats[0])
	if err != nil {
		t.Fatal(err)
	}
	f.ReadAt(hdr[:], 0)
	f.Close()
	var st syscall.Stat_t
	syscall.Stat(seats[0], &st)
	fi, _ := os.Stat(seats[0])
	if string(hdr[0:4]) != "RF64" || string(hdr[12:16]) != "ds64" || binary.LittleEndian.Uint64(hdr[36:]) != at40+1600 ||
		binary.LittleEndian.Uint64(hdr[28:]) != 2*(at40+1600) || fi.Size() != wavfile.HeaderSize+2*(at40+1600) {
		t.Fatalf("seat file after 40 h: %d bytes, header %q", fi.Size(), hdr[:16])
	}

	admin := login(t, srv.addr, "admin1")
	get := func(start, end string) []int16 {
		t.Helper()
		resp, err := admin.hc.Get(admin.base + "/api/hearings/" + hearing + "/audio/seat01?start=" + start + "&end=" + end)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || len(b) < 44 {
			t.Fatalf("audio %s–%s s: %d %.200s", start, end, resp.StatusCode, b)
		}
		pcm := make([]int16, (len(b)-44)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(b[44+2*i:]))
		}
		return pcm
	}
	// hostileAgent.audio sends j%200-100 on every seat.
	for _, c := range []struct{ start, end string }{{"0", "0.1"}, {"144000", "144000.1"}} {
		pcm := get(c.start, c.end)
		if len(pcm) != 1600 {
			t.Fatalf("%s–%s s: %d samples", c.start, c.end, len(pcm))
		}
		for j, v := range pcm {
			if v != int16(j%200-100) {
				t.Fatalf("%s–%s s: sample %d = %d, want %d", c.start, c.end, j, v, j%200-100)
			}
		}
	}
	if pcm := get("108000", "108000.1"); len(pcm) != 1600 || pcm[0] != 0 || pcm[1599] != 0 {
		t.Fatalf("30 h (the hole): %d samples", len(pcm))
	}
	t.Logf("FIGURE 40 h seat file: header %s, %d bytes (%.2f GB), %d bytes on disk; frame at 40 h acked in %v; API read-back at 0 h, 30 h, 40 h sample-exact",
		hdr[0:4], fi.Size(), float64(fi.Size())/1e9, st.Blocks*512, took.Round(time.Millisecond))
}
