package main

import "testing"

func TestQuantile(t *testing.T) {
	x := []float64{0.3, 0.1, 0.2, 0.5, 0.4}
	for _, c := range []struct{ q, want float64 }{{0, 0.1}, {0.5, 0.3}, {0.9, 0.5}, {1, 0.5}} {
		if got := quantile(x, c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if x[0] != 0.3 {
		t.Error("quantile sorted its input")
	}
	if quantile(nil, 0.5) != 0 {
		t.Error("quantile of nothing is not 0")
	}
}
