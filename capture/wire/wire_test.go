package wire

import "bytes"
import "errors"
import "testing"

func sampleFrame() *Frame {
	return &Frame{Kind: KindAudio, Channels: 2, Seq: 7, FirstSample: 16000, Samples: 3, WallNanos: 42,
		PCM: [][]int16{{1, -2, 32767}, {-32768, 0, 5}}}
}

func TestFrameRoundTrip(t *testing.T) {
	f := sampleFrame()
	b, err := EncodeFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != f.EncodedSize() {
		t.Fatalf("size %d, want %d", len(b), f.EncodedSize())
	}
	g, err := DecodeFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	if g.Seq != 7 || g.FirstSample != 16000 || g.Samples != 3 || g.WallNanos != 42 || g.End() != 16003 {
		t.Fatalf("header mismatch: %+v", g)
	}
	for c := range f.PCM {
		for i := range f.PCM[c] {
			if f.PCM[c][i] != g.PCM[c][i] {
				t.Fatalf("ch %d sample %d: %d != %d", c, i, g.PCM[c][i], f.PCM[c][i])
			}
		}
	}
	gap := &Frame{Kind: KindGap, Reason: GapOverflow, Channels: 2, Seq: 8, FirstSample: 16003, Samples: 100}
	b, err = EncodeFrame(gap)
	if err != nil {
		t.Fatal(err)
	}
	g, err = DecodeFrame(b)
	if err != nil || g.Kind != KindGap || g.PCM != nil || g.Reason != GapOverflow {
		t.Fatalf("gap round trip: %+v %v", g, err)
	}
}

func TestDecodeFrameRejects(t *testing.T) {
	good, _ := EncodeFrame(sampleFrame())
	mut := func(f func(b []byte) []byte) []byte { c := bytes.Clone(good); return f(c) }
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"short", good[:10], ErrShortFrame},
		{"magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), ErrMagic},
		{"kind", mut(func(b []byte) []byte { b[4] = 9; return b }), ErrKind},
		{"channels", mut(func(b []byte) []byte { b[6], b[7] = 0, 0; return b }), ErrChannels},
		{"samples", mut(func(b []byte) []byte { b[24], b[25], b[26], b[27] = 0xff, 0xff, 0xff, 0x7f; return b }), ErrSamples},
		{"truncated", good[:len(good)-1], ErrLength},
		{"payload bit flip", mut(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrChecksum},
		{"header bit flip", mut(func(b []byte) []byte { b[30] ^= 1; return b }), ErrChecksum},
	}
	for _, c := range cases {
		if _, err := DecodeFrame(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestHelloValidate(t *testing.T) {
	ok := Hello{Type: TypeHello, Protocol: 1, Session: "s1", Courtroom: "room-1",
		Seats:  []Seat{{"judge", 1}, {"clerk", 2}},
		Format: Format{SampleRate: 16000, Encoding: "s16le", Channels: 2}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(h *Hello){
		func(h *Hello) { h.Protocol = 2 },
		func(h *Hello) { h.Session = "../x" },
		func(h *Hello) { h.Courtroom = "" },
		func(h *Hello) { h.Format.SampleRate = 44100 },
		func(h *Hello) { h.Format.Encoding = "f32le" },
		func(h *Hello) { h.Format.Channels = 3 },
		func(h *Hello) { h.Seats = []Seat{{"judge", 1}, {"judge", 2}} },
		func(h *Hello) { h.Seats = []Seat{{"judge", 1}, {"clerk", 1}} },
		func(h *Hello) { h.Seats = []Seat{{"Judge/..", 1}, {"clerk", 2}} },
		func(h *Hello) { h.Hearing = "a/b" },
	}
	for i, f := range bad {
		h := ok
		h.Seats = append([]Seat(nil), ok.Seats...)
		f(&h)
		if err := h.Validate(); err == nil {
			t.Errorf("case %d: invalid hello accepted: %+v", i, h)
		}
	}
}

func TestParseSeats(t *testing.T) {
	s, err := ParseSeats("judge=1, clerk=2,witness=5")
	if err != nil || len(s) != 3 || s[2] != (Seat{"witness", 5}) {
		t.Fatalf("%v %v", s, err)
	}
	for _, in := range []string{"", "judge", "judge=x", "judge=0", "judge=1,judge=2", "a=1,b=1", "judge=1x"} {
		if _, err := ParseSeats(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestDecodeTextStrict(t *testing.T) {
	v, err := DecodeText([]byte(`{"type":"ack","seq":5}`))
	if err != nil || v.(*Ack).Seq != 5 {
		t.Fatal(v, err)
	}
	for _, in := range []string{`{"type":"ack","seq":5,"extra":1}`, `{"type":"nope"}`, `not json`, `{"type":"ack","seq":"x"}`, `{"type":"ack"} {}`} {
		if _, err := DecodeText([]byte(in)); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func FuzzDecodeFrame(f *testing.F) {
	good, _ := EncodeFrame(sampleFrame())
	f.Add(good)
	gap, _ := EncodeFrame(&Frame{Kind: KindGap, Channels: 1, Seq: 1, Samples: 10})
	f.Add(gap)
	f.Add([]byte("CSF1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			return
		}
		// A frame that decodes must encode back to the same bytes.
		again, err := EncodeFrame(fr)
		if err != nil {
			t.Fatalf("decoded frame does not re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func FuzzDecodeText(f *testing.F) {
	f.Add([]byte(`{"type":"hello","protocol":1,"session":"s","courtroom":"c","seats":[{"name":"judge","channel":1}],"format":{"sample_rate":16000,"encoding":"s16le","channels":1}}`))
	f.Add([]byte(`{"type":"levels","at_sample":1,"seats":[],"spool_bytes":0,"unacked_frames":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeText(b)
		if err != nil {
			return
		}
		if h, ok := v.(*Hello); ok {
			_ = h.Validate()
		}
	})
}
