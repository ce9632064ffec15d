//go:build soak

package faults

// soakTag: built with -tags soak, the long forms and the soak run.
const soakTag = true
