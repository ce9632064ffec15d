package capture

import "testing"

// TestUplinkServerList: --server takes several replicas comma-separated; each is checked.
func TestUplinkServerList(t *testing.T) {
	u, err := NewUplink(UplinkConfig{Server: "ws://10.0.0.1:8080, wss://cs-2.court.example"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ws://10.0.0.1:8080/v1/agent", "wss://cs-2.court.example/v1/agent"}; len(u.urls) != 2 || u.urls[0] != want[0] || u.urls[1] != want[1] {
		t.Fatalf("urls %q, want %q", u.urls, want)
	}
	for _, bad := range []string{"ws://a:1,ftp://b", "", " , "} {
		if _, err := NewUplink(UplinkConfig{Server: bad}, nil); err == nil {
			t.Errorf("server list %q accepted", bad)
		}
	}
}
