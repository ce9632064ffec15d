package testrig

import "testing"

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
