package main

import "testing"

import "github.com/courtscribe/courtscribe/internal/testrig"

// The end-to-end suites of the built binary are in scripts/faults; these tests call the
// commands in process.
func TestMain(m *testing.M) { testrig.Main(m) }
