//go:build !soak

package faults

// soakTag: without -tags soak the long forms run only with COURTSCRIBE_SOAK=1.
const soakTag = false
