package wavfile

import "encoding/binary"
import "math"

// PCMHeaderSize is the size of the canonical header PCMHeader writes (the same layout as the
// LegacyHeaderSize files of earlier versions).
const PCMHeaderSize = LegacyHeaderSize

// maxPCMData is the most data bytes a canonical header can state: its RIFF size (36 + data)
// must fit 32 bits.
const maxPCMData = math.MaxUint32 - 36

// PCMHeader is the canonical 44-byte RIFF/WAVE header (WAVE_FORMAT_PCM, 16-bit samples) of
// dataBytes bytes of interleaved audio of channels channels at rate Hz. A size past what the
// 32-bit fields can state is clamped to the largest they can.
func PCMHeader(rate, channels int, dataBytes int64) []byte {
	data := uint32(min(max(dataBytes, 0), maxPCMData))
	b := make([]byte, PCMHeaderSize)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+data)
	copy(b[8:], "WAVE")
	putFmtData(b, 12, rate, channels)
	binary.LittleEndian.PutUint32(b[40:], data)
	return b
}

// putFmtData writes, at p, a 16-byte "fmt " chunk for 16-bit PCM and the id of the "data" chunk
// that follows it (its size, at p+28, is the caller's).
func putFmtData(b []byte, p int, rate, channels int) {
	copy(b[p:], "fmt ")
	binary.LittleEndian.PutUint32(b[p+4:], 16)
	binary.LittleEndian.PutUint16(b[p+8:], 1) // WAVE_FORMAT_PCM
	binary.LittleEndian.PutUint16(b[p+10:], uint16(channels))
	binary.LittleEndian.PutUint32(b[p+12:], uint32(rate))            // sample rate
	binary.LittleEndian.PutUint32(b[p+16:], uint32(rate*2*channels)) // bytes per second
	binary.LittleEndian.PutUint16(b[p+20:], uint16(2*channels))      // block align
	binary.LittleEndian.PutUint16(b[p+22:], 16)                      // bits per sample
	copy(b[p+24:], "data")
}

// EncodePCM returns a whole WAV file: PCMHeader followed by samples (interleaved when
// channels > 1) as 16-bit little-endian.
func EncodePCM(rate, channels int, samples []int16) []byte {
	b := make([]byte, PCMHeaderSize+2*len(samples))
	copy(b, PCMHeader(rate, channels, int64(2*len(samples))))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[PCMHeaderSize+2*i:], uint16(s))
	}
	return b
}

// IsWAV reports whether b starts like a WAV file: a RIFF, RF64 or BW64 container of form WAVE.
func IsWAV(b []byte) bool {
	if len(b) < 12 || string(b[8:12]) != "WAVE" {
		return false
	}
	switch string(b[0:4]) {
	case "RIFF", "RF64", "BW64":
		return true
	}
	return false
}

// IsRIFF reports whether b starts with the id of a RIFF container (of any form: WAVE, AVI, …).
func IsRIFF(b []byte) bool { return len(b) >= 4 && string(b[0:4]) == "RIFF" }

// RIFFForm is the form type of the RIFF container b starts with ("WAVE", "AVI ", …), or "" when
// b is not RIFF or too short to hold its form type.
func RIFFForm(b []byte) string {
	if !IsRIFF(b) || len(b) < 12 {
		return ""
	}
	return string(b[8:12])
}
