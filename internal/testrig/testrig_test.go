package testrig

import "testing"
import "time"

func TestHashPCM(t *testing.T) {
	for _, c := range []struct {
		pcm  []int16
		want string
	}{
		{nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{[]int16{1, -2}, "dd8b10d263a3a65c4bfc3680c3378c52be146db147b84f14629585cf287d424a"}, // bytes 01 00 fe ff
	} {
		if got := HashPCM(c.pcm); got != c.want {
			t.Errorf("HashPCM(%v) = %s, want %s", c.pcm, got, c.want)
		}
	}
}

func TestLoggedAt(t *testing.T) {
	at, ok := LoggedAt(`time=2026-12-06T22:10:01.123+00:00 level=INFO msg="agent: capturing" session=s1`)
	if !ok || !at.Equal(time.Date(2026, 12, 6, 22, 10, 1, 123e6, time.UTC)) {
		t.Fatalf("%v %v", at, ok)
	}
	if _, ok := LoggedAt(`level=INFO msg="no time here"`); ok {
		t.Fatal("a line without time= has a time")
	}
	if _, ok := LoggedAt(`time=yesterday msg=x`); ok {
		t.Fatal("a bad time= parsed")
	}
}
