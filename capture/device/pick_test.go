package device

import "strings"
import "testing"

import "github.com/gordonklaus/portaudio"

func TestPickDevice(t *testing.T) {
	devs := []*portaudio.DeviceInfo{
		{Index: 0, Name: "HDA Intel PCH: ALC892 Analog (hw:0,0)", MaxInputChannels: 2},
		{Index: 1, Name: "HDA Intel PCH: HDMI 0 (hw:0,3)", MaxInputChannels: 0},
		{Index: 2, Name: "Focusrite Scarlett 18i20 (hw:1,0)", MaxInputChannels: 18},
		{Index: 3, Name: "pulse", MaxInputChannels: 32},
	}
	for sel, want := range map[string]int{"2": 2, "pulse": 3, "scarlett": 2, "ALC892": 0} {
		d, err := pick(devs, sel)
		if err != nil || d.Index != want {
			t.Errorf("pick(%q) = %v, %v; want index %d", sel, d, err, want)
		}
	}
	for sel, msg := range map[string]string{
		"9":        "no device with index 9",
		"1":        "no input channels",
		"(hw:":     "ambiguous",
		"mixer xy": "no input device named",
	} {
		if _, err := pick(devs, sel); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("pick(%q): %v, want an error saying %q", sel, err, msg)
		}
	}
}
