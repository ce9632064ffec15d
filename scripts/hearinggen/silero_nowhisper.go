//go:build !whisper

package main

// taggedMethods: without the whisper tag there is no Silero VAD to compare.
func taggedMethods() []method { return nil }
