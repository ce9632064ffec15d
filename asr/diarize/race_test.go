//go:build race

package diarize_test

// raceEnabled: the race detector slows the arithmetic-heavy paths ~10×, so the scene test
// shortens its hearings (the full hearings run without -race and in make bench-diarize).
const raceEnabled = true
