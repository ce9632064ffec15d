package faults

import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// igReadAll reads every 16 kHz seat channel of a Reader: what diarize, transcribe and import
// see of the same files.
func igReadAll(t *testing.T, r *audiofile.Reader) [][]int16 {
	t.Helper()
	return testrig.ReadChannels(t, r.Channels(), 4000, r.Read)
}

// TestE2EAgentSeatFiles: the real agent replays one mono file per seat into the real server:
// a 16 kHz judge file arrives sample-exact, a 48 kHz clerk file 0.4 s shorter arrives as the
// agent's resampler makes it (identical to what import/transcribe read), padded with silence
// to the judge's length; seats are named by --seat-file alone.
func TestE2EAgentSeatFiles(t *testing.T) {
	data := t.TempDir()
	srv := igStartServer(t, data, testrig.FreeAddr(t))
	tok := testrig.Token(t, data, "court-3")
	dir := t.TempDir()
	judge := testrig.NoisePCM(1, wire.SampleRate*6+123, 7)[0]
	clerk48 := testrig.NoisePCM(1, 48000*56/10, 8)[0] // 5.6 s at 48 kHz
	jp, cp := filepath.Join(dir, "judge.wav"), filepath.Join(dir, "clerk-48k.wav")
	if err := wavfile.WriteMulti(jp, wire.SampleRate, [][]int16{judge}); err != nil {
		t.Fatal(err)
	}
	if err := wavfile.WriteMulti(cp, 48000, [][]int16{clerk48}); err != nil {
		t.Fatal(err)
	}
	ref, err := audiofile.OpenSeats([]string{jp, cp})
	if err != nil {
		t.Fatal(err)
	}
	want := igReadAll(t, ref)
	ref.Close()
	if testrig.HashPCM(want[0]) != testrig.HashPCM(judge) {
		t.Fatal("reference reader changed the 16 kHz judge file")
	}
	if len(want[1]) != len(judge) {
		t.Fatalf("reference clerk %d samples, want padded to %d", len(want[1]), len(judge))
	}
	for i, v := range want[1][wire.SampleRate*56/10+50:] {
		if v != 0 {
			t.Fatalf("clerk padding not silent at %d: %d", i, v)
		}
	}
	ag := igStartAgent(t, "--server", "ws://"+srv.addr, "--token", tok, "--courtroom", "court-3",
		"--seat-file", "judge="+jp, "--seat-file", "clerk="+cp, "--fast", "--close-hearing",
		"--spool", filepath.Join(t.TempDir(), "spool"))
	ag.Wait(t, 60*time.Second)
	h := igOnlyHearing(t, data)
	igCheckExact(t, data, h, []wire.Seat{{Name: "judge", Channel: 1}, {Name: "clerk", Channel: 2}}, want)
	srv.Stop(t)
}

// TestAgentSeatFileErrors: each mistake is one line naming what is wrong.
func TestAgentSeatFileErrors(t *testing.T) {
	dir := t.TempDir()
	mono, stereo := filepath.Join(dir, "m.wav"), filepath.Join(dir, "s.wav")
	if err := wavfile.WriteMulti(mono, wire.SampleRate, testrig.NoisePCM(1, 16000, 1)); err != nil {
		t.Fatal(err)
	}
	if err := wavfile.WriteMulti(stereo, wire.SampleRate, testrig.NoisePCM(2, 16000, 1)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--seat-file", "judge=" + filepath.Join(dir, "nope.wav")}, "nope.wav"},
		{[]string{"--seat-file", "judge=" + stereo}, "s.wav: WAV 16000 Hz 16-bit PCM, 2 channels, but a seat file must be mono"},
		{[]string{"--seat-file", "judge=" + mono, "--seat-file", "judge=" + mono}, `seat "judge" is given twice`},
		{[]string{"--seats", "judge=1,clerk=2", "--seat-file", "judge=" + mono, "--seat-file", "witness=" + mono}, `no seat "witness" in --seats (judge, clerk)`},
		{[]string{"--seat-file", "judge=" + mono, "--source", mono}, "exactly one of --device, --source and --seat-file"},
	} {
		cmd := exec.Command(testrig.Binary(t), append([]string{"agent", "--courtroom", "c", "--token", "x", "--spool", filepath.Join(dir, "spool")}, tc.args...)...)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("%v: accepted", tc.args)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
			t.Fatalf("%v: got %q, want one line with %q", tc.args, out, tc.want)
		}
	}
}
