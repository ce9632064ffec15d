package scene

import "os"
import "testing"

// FuzzParse: any bytes give a scene that validates or an error, never a panic, and a valid
// scene expands to a bounded script whose microphones can be placed.
func FuzzParse(f *testing.F) {
	f.Add([]byte(tiny))
	f.Add([]byte(soundsOnly))
	if b, err := os.ReadFile("../../../scripts/scenes/room-zh-criminal.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Parse accepted a scene that Validate rejects: %v", err)
		}
		if n := len(s.flatScript(nil)); n > 20000 {
			t.Fatalf("%d lines after expansion", n)
		}
		if s.Room != nil {
			for _, st := range s.Seats {
				m := micOf(st)
				if !s.Room.inside(m.Pos) {
					t.Fatalf("seat %s: mic outside the room after validation", st.Name)
				}
			}
		}
	})
}
