package capture

import "context"
import "errors"
import "testing"
import "time"

func TestBlockQueueCountsWhatItDrops(t *testing.T) {
	q := NewBlockQueue(2, 300)
	t0 := time.Unix(100, 0)
	blk := func(v int16) []int16 {
		d := make([]int16, 200) // 100 frames
		for i := range d {
			d[i] = v
		}
		return d
	}
	q.Put(blk(1), t0, 0)
	q.Put(blk(2), t0, 0)
	q.Put(blk(3), t0, 0)
	q.Put(blk(4), t0, 0) // full: dropped
	q.Put(blk(5), t0, 0) // full: dropped
	ctx := context.Background()
	for want := int16(1); want <= 3; want++ {
		b, err := q.Get(ctx)
		if err != nil || b.Data[0] != want || b.Frames != 100 || b.Lost != 0 {
			t.Fatalf("block %d: %v %d frames lost %d err %v", want, b.Data[0], b.Frames, b.Lost, err)
		}
	}
	q.Put(blk(6), t0, 7) // the device also reports 7 frames lost
	b, err := q.Get(ctx)
	if err != nil || b.Data[0] != 6 || b.Lost != 207 {
		t.Fatalf("after drops: first sample %d, lost %d (want 6 and 200 dropped + 7 reported); err %v", b.Data[0], b.Lost, err)
	}
	if q.Dropped() != 200 {
		t.Fatalf("Dropped %d", q.Dropped())
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := q.Get(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("empty queue: %v", err)
	}
	boom := errors.New("device vanished")
	q.Put(blk(8), t0, 0)
	q.Close(boom)
	if b, err := q.Get(ctx); err != nil || b.Data[0] != 8 {
		t.Fatalf("queued block lost at close: %v", err)
	}
	if _, err := q.Get(ctx); !errors.Is(err, boom) {
		t.Fatalf("after close: %v", err)
	}
}

func TestBlockQueueConcurrent(t *testing.T) {
	q := NewBlockQueue(1, 1000)
	done := make(chan int64)
	go func() {
		var got, lost int64
		for {
			b, err := q.Get(context.Background())
			if err != nil {
				done <- got + lost
				return
			}
			got += int64(b.Frames)
			lost += b.Lost
		}
	}()
	data := make([]int16, 64)
	for i := 0; i < 5000; i++ {
		q.Put(data, time.Time{}, 0)
	}
	q.Put(data, time.Time{}, 0) // carries any pending loss
	time.Sleep(10 * time.Millisecond)
	q.Put(data, time.Time{}, 0)
	q.Close(nil)
	if total := <-done; total != 5002*64 {
		t.Fatalf("frames delivered + lost = %d, want %d", total, 5002*64)
	}
}
