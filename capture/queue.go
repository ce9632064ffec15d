package capture

import "context"
import "errors"
import "sync"
import "time"

// BlockQueue hands blocks from a real-time producer (a device callback, which must never
// block) to the capture loop. When the loop falls behind and the queue is full, a block is
// not queued but counted as lost; the next block that is queued carries that count in
// Block.Lost, so the agent records a gap of exactly the missing length. Put and Get may be
// called from different goroutines; Put never blocks or allocates once warm.
type BlockQueue struct {
	mu       sync.Mutex
	ready    chan struct{}
	channels int
	capacity int // frames
	queued   int // frames
	blocks   []qblock
	free     [][]int16
	lost     int64
	dropped  int64 // total frames dropped by this queue (for stats)
	closed   bool
	err      error
	last     []int16 // buffer of the block returned by the previous Get
}

type qblock struct {
	data   []int16
	frames int
	lost   int64
	wall   time.Time
}

// ErrQueueClosed is returned by Get after Close without an error.
var ErrQueueClosed = errors.New("capture queue closed")

// NewBlockQueue makes a queue holding up to capacityFrames frames of channels channels.
func NewBlockQueue(channels, capacityFrames int) *BlockQueue {
	return &BlockQueue{ready: make(chan struct{}, 1), channels: channels, capacity: capacityFrames}
}

// Put copies one block of interleaved samples into the queue. lostBefore is the number of
// frames the device itself reports lost just before this block.
func (q *BlockQueue) Put(data []int16, wall time.Time, lostBefore int64) {
	frames := len(data) / q.channels
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.lost += lostBefore
	if q.queued+frames > q.capacity {
		q.lost += int64(frames)
		q.dropped += int64(frames)
		return
	}
	var buf []int16
	if n := len(q.free); n > 0 && cap(q.free[n-1]) >= len(data) {
		buf = q.free[n-1][:len(data)]
		q.free = q.free[:n-1]
	} else {
		buf = make([]int16, len(data))
	}
	copy(buf, data)
	q.blocks = append(q.blocks, qblock{data: buf, frames: frames, lost: q.lost, wall: wall})
	q.lost = 0
	q.queued += frames
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Get waits for the next block. The block's Data is valid until the next Get.
func (q *BlockQueue) Get(ctx context.Context) (Block, error) {
	for {
		q.mu.Lock()
		if q.last != nil {
			q.free = append(q.free, q.last)
			q.last = nil
		}
		if len(q.blocks) > 0 {
			b := q.blocks[0]
			q.blocks = q.blocks[1:]
			q.queued -= b.frames
			q.last = b.data
			q.mu.Unlock()
			return Block{Data: b.data, Frames: b.frames, Lost: b.lost, Wall: b.wall}, nil
		}
		if q.closed {
			err := q.err
			q.mu.Unlock()
			if err == nil {
				err = ErrQueueClosed
			}
			return Block{}, err
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return Block{}, ctx.Err()
		case <-q.ready:
		}
	}
}

// Dropped is the number of frames the queue dropped because the reader fell behind.
func (q *BlockQueue) Dropped() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// Close ends the queue: Get returns the queued blocks, then err (or ErrQueueClosed).
func (q *BlockQueue) Close(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed, q.err = true, err
	select {
	case q.ready <- struct{}{}:
	default:
	}
}
