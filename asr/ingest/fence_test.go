package ingest

import "context"
import "encoding/json"
import "errors"
import "slices"
import "sync/atomic"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// TestFenceLeavesFilesToTheNewOwner: a server replica stalled past its ingest lease (Fence
// says so) while another replica appended to the hearing's files must not touch them when it
// wakes: neither when its agent's next frame arrives (the agent gets not_owner) nor when the
// server stops. Without the fence it would write that frame over the owner's samples and
// rewrite the headers with its own, shorter sample count.
func TestFenceLeavesFilesToTheNewOwner(t *testing.T) {
	for _, wake := range []string{"next frame", "server stops"} {
		t.Run(wake, func(t *testing.T) {
			var lost atomic.Bool
			r := newRigDir(t, t.TempDir(), func(c *Config) {
				c.Fence = func(string) error {
					if lost.Load() {
						return errors.New("the ingest lease ran out at 10:00:02 on this replica")
					}
					return nil
				}
			})
			pcm := testPCM(2, 1600*20, 41)
			ag := r.agent("s-fence", pcm)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ws, err := ingesttest.Dial(ctx, r.url(), r.token)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			b, _ := json.Marshal(ag.Hello())
			ws.WriteMessage(websocket.TextMessage, b)
			v, err := ingesttest.ReadServer(ws)
			welcome, ok := v.(*wire.Welcome)
			if err != nil || !ok {
				t.Fatalf("hello: %v %T", err, v)
			}
			send := func(i int) {
				buf, err := wire.AppendFrame(nil, ag.Frame(i))
				if err != nil {
					t.Fatal(err)
				}
				if err := ws.WriteMessage(websocket.BinaryMessage, buf); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 10 { // frames 1-10 under the lease, acknowledged
				send(i)
			}
			for seq := uint64(0); seq < 10; {
				v, err := ingesttest.ReadServer(ws)
				if err != nil {
					t.Fatal(err)
				}
				if a, ok := v.(*wire.Ack); ok {
					seq = a.Seq
				}
			}

			// The lease runs out; the new owner appends frames 11-20 of every seat.
			lost.Store(true)
			want := make([][]int16, len(pcm))
			for s, seat := range fourSeats[:len(pcm)] {
				w, err := wavfile.Open(seatPath(t, r.dir, welcome.Hearing, seat.Name), wire.SampleRate)
				if err != nil {
					t.Fatal(err)
				}
				if w.Samples() != 1600*10 {
					t.Fatalf("seat %s holds %d samples before the owner appends, want %d", seat.Name, w.Samples(), 1600*10)
				}
				if err := w.Write(pcm[s][1600*10:]); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				want[s] = pcm[s]
			}

			if wake == "next frame" {
				send(10) // the stalled replica's agent connection delivers one more frame
				ws.SetReadDeadline(time.Now().Add(10 * time.Second))
				var refusal *wire.Error
				for refusal == nil {
					v, err := ingesttest.ReadServer(ws)
					if err != nil {
						t.Fatalf("no refusal after the lease ran out: %v", err)
					}
					refusal, _ = v.(*wire.Error)
				}
				if refusal.Code != wire.CodeNotOwner {
					t.Fatalf("refusal %+v, want %s", refusal, wire.CodeNotOwner)
				}
			}
			r.stop()
			for s, seat := range fourSeats[:len(pcm)] {
				a, err := wavfile.ReadFile(seatPath(t, r.dir, welcome.Hearing, seat.Name))
				if err != nil {
					t.Fatalf("seat %s after the stalled replica woke: %v", seat.Name, err)
				}
				if !slices.Equal(a.Channels[0], want[s]) {
					t.Fatalf("seat %s: %d samples after the stalled replica woke, want the owner's %d, sample-exact", seat.Name, len(a.Channels[0]), len(want[s]))
				}
			}
		})
	}
}

func seatPath(t *testing.T, dir, hearing, seat string) string {
	t.Helper()
	p, err := archive.SeatPath(dir, hearing, seat)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
