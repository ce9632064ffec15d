package testrig

import "testing"

func TestQuantile(t *testing.T) {
	xs := []int{5, 1, 4, 2, 3}
	for _, tc := range []struct {
		p    float64
		want int
	}{{0, 1}, {0.5, 3}, {0.99, 5}, {1, 5}} {
		if got := Quantile(xs, tc.p); got != tc.want {
			t.Errorf("Quantile(%v, %v) = %d, want %d", xs, tc.p, got, tc.want)
		}
	}
	if xs[0] != 5 {
		t.Error("Quantile sorted its argument")
	}
	if got := Quantile([]float64{2, 1, 4, 3}, 0.5); got != 3 {
		t.Errorf("median of 4 = %v, want the upper one, 3", got)
	}
	if got := Quantile[int](nil, 0.5); got != 0 {
		t.Errorf("Quantile(nil) = %d", got)
	}
}

func TestEnvInt(t *testing.T) {
	const k = "TESTRIG_ENVINT"
	for v, want := range map[string]int{"": 7, "x": 7, "-3": 7, "0": 7, "12": 12} {
		t.Setenv(k, v)
		if got := EnvInt(k, 7); got != want {
			t.Errorf("EnvInt(%q) = %d, want %d", v, got, want)
		}
	}
}
