// Package testrig holds what the tests of several packages share. It is the start of issue 12's
// one test rig; today it has the PCM hash that archive, import and fault tests compare.
package testrig

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// HashPCM is the SHA-256 (hex) of samples as signed 16-bit little-endian: the hash of a seat's
// PCM, whatever file or frames carried it.
func HashPCM(pcm []int16) string {
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
