package asr

import "bytes"
import "slices"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

func TestJoinText(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{" And so", "my fellow Americans. "}, "And so my fellow Americans."},
		{[]string{"本院认为，", "被告应当"}, "本院认为，被告应当"},
		{[]string{"原告张三", "Zhang San"}, "原告张三 Zhang San"},
		{[]string{"", "  ", "x"}, "x"},
	} {
		if got := JoinText(c.in); got != c.want {
			t.Errorf("JoinText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUtterance(t *testing.T) {
	u := Utterance{Seat: "judge", Start: 1.5, End: 3}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	if UtteranceID("judge", 1.5) != "judge@24000" || u.Duration() != 1.5 {
		t.Errorf("id %s", UtteranceID("judge", 1.5))
	}
	for _, bad := range []Utterance{{Start: 0, End: 1}, {Seat: "a", Start: 2, End: 1}, {Seat: "a", Start: -1, End: 1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	b := EncodeWAV([]int16{1, -2})
	if a, err := wavfile.Read(bytes.NewReader(b)); err != nil || len(b) != 48 || a.SampleRate != wire.SampleRate ||
		len(a.Channels) != 1 || !slices.Equal(a.Channels[0], []int16{1, -2}) {
		t.Errorf("wav % x: %v", b, err)
	}
	if f := Float32([]int16{-32768, 16384}); f[0] != -1 || f[1] != 0.5 {
		t.Errorf("float %v", f)
	}
	if !StatusFinal.Done() || StatusPending.Done() || StatusPartial.Done() {
		t.Error("Done")
	}
}
