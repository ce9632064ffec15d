package main

import "github.com/spf13/pflag"

// seatFileFlag adds --seat-file NAME=FILE (repeatable) to a command.
func seatFileFlag(f *pflag.FlagSet, dst *[]string) {
	f.StringArrayVar(dst, "seat-file", nil, "one mono recording per seat instead of one multi-channel FILE: --seat-file judge=j.wav --seat-file clerk=c.flac … (WAV/RF64/FLAC, any rate 8–192 kHz)")
}
