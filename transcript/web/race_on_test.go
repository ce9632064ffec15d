//go:build race

package web_test

// raceOn: the Go race detector slows the server (not the browser) several times.
const raceOn = true
