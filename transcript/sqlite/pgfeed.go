package sqlite

import "context"
import "crypto/rand"
import "database/sql"
import "encoding/hex"
import "encoding/json"
import "sync"
import "time"

import "github.com/jackc/pgx/v5"

import "github.com/courtscribe/courtscribe/transcript"

// The PostgreSQL event feed: live fan-out across replicas.
//
// Several stores (replicas) commit to one database; each store's listeners (the live hub) must
// see every committed event of a hearing, whoever wrote it, exactly once and in chain order (the
// hub relies on ids growing in the order listeners are called). So, on PostgreSQL:
//
//   - every write transaction that appended events sends, before its COMMIT, one NOTIFY on
//     channel courtscribe_events naming the writer store and, per hearing, the last sequence it
//     committed (PostgreSQL delivers it at commit, and only if the transaction commits). The
//     payload is small: the events themselves are read from the events table by sequence;
//   - once something subscribes to the store, it LISTENs on a dedicated connection (pgx) and,
//     for a notification another store sent, reads that hearing's events after the last
//     sequence it delivered and hands them to its listeners;
//   - a gate keeps, per hearing, the last sequence delivered to the listeners. The store's own
//     commits go through it too: when a local commit at sequence N finds the gate at M < N-1,
//     events M+1…N-1 were committed by another replica before (the write lock orders commits)
//     and their notification has not arrived yet, so the gate reads them first. Listeners thus
//     get each hearing's chain gap-free and in order, and an event is never delivered twice;
//   - a lost listening connection is reopened (backing off up to feedRetryMax) and catches up
//     from the highest event id delivered: every hearing with a later event is read again by
//     sequence, so a notification missed while disconnected loses nothing.
//
// Stores that nothing subscribes to (the command-line tools) never open the connection.

// feedChannel is the NOTIFY channel.
const feedChannel = "courtscribe_events"

// feedRetryMax caps the back-off between attempts to reopen the listening connection.
const feedRetryMax = 2 * time.Second

// feedNote is a notification's payload: the writing store and hearing → last committed seq.
type feedNote struct {
	Origin string           `json:"o"`
	Heads  map[string]int64 `json:"h"`
}

// pgFeed is one store's listening side and gate.
type pgFeed struct {
	s      *Store
	url    string
	origin string // this store's id in notifications

	mu      sync.Mutex       // the gate: held while listeners are called
	last    map[string]int64 // hearing → last seq delivered to the listeners
	startID int64            // events up to this id were committed before the feed started
	maxID   int64            // highest event id delivered
	stop    chan struct{}    // closes the listening goroutine
	done    chan struct{}    // closed when it ended
	ready   chan struct{}    // closed once LISTEN is in place the first time
	readyMu sync.Once
}

func newFeedOrigin() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// feedNotify runs in the writer's transaction before COMMIT: a NOTIFY naming the last sequence
// of every hearing the transaction appended to (PostgreSQL delivers it only if the transaction
// commits). Payloads stay under PostgreSQL's 8000-byte limit by splitting.
func (s *Store) feedNotify(ctx context.Context, sqlTx *sql.Tx, events []transcript.Event) error {
	for _, p := range notifyPayloads(s.origin, events) {
		if _, err := sqlTx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, feedChannel, p); err != nil {
			return err
		}
	}
	return nil
}

// notifyPayloads builds the NOTIFY payloads for a transaction's events.
func notifyPayloads(origin string, events []transcript.Event) []string {
	var out []string
	n := feedNote{Origin: origin, Heads: map[string]int64{}}
	size := 0
	flush := func() {
		if len(n.Heads) == 0 {
			return
		}
		b, _ := json.Marshal(n)
		out = append(out, string(b))
		n.Heads, size = map[string]int64{}, 0
	}
	for _, e := range events {
		if _, ok := n.Heads[e.HearingID]; !ok && size+len(e.HearingID)+32 > 7000 {
			flush()
		}
		if _, ok := n.Heads[e.HearingID]; !ok {
			size += len(e.HearingID) + 32
		}
		if e.Seq > n.Heads[e.HearingID] {
			n.Heads[e.HearingID] = e.Seq
		}
	}
	flush()
	return out
}

// startFeed opens the feed the first time something subscribes (PostgreSQL only).
func (s *Store) startFeed() {
	s.feedOnce.Do(func() {
		f := &pgFeed{s: s, url: s.pgURL, origin: s.origin, last: map[string]int64{},
			stop: make(chan struct{}), done: make(chan struct{}), ready: make(chan struct{})}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.rdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&f.startID)
		cancel()
		if err != nil {
			s.log.Warn("transcript store: live feed: reading the last event id", "err", err)
			f.startID = -1 // set from the first event delivered
		}
		f.maxID = f.startID
		s.feedMu.Lock()
		s.feed = f
		s.feedMu.Unlock()
		go f.run()
	})
}

// stopFeed ends the listening goroutine (Store.Close).
func (s *Store) stopFeed() {
	s.feedMu.Lock()
	f := s.feed
	s.feedMu.Unlock()
	if f == nil {
		return
	}
	close(f.stop) // cancels the context WaitForNotification waits with
	<-f.done
}

// run keeps a LISTEN connection open and handles notifications until stop.
func (f *pgFeed) run() {
	defer close(f.done)
	wait := 50 * time.Millisecond
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		err := f.listen()
		select {
		case <-f.stop:
			return
		default:
		}
		f.s.log.Warn("transcript store: live feed connection lost; reconnecting", "err", err, "in", wait)
		select {
		case <-f.stop:
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, feedRetryMax)
	}
}

// listen opens the connection, LISTENs, catches up and handles notifications until an error.
func (f *pgFeed) listen() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-f.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	conn, err := pgx.Connect(cctx, f.url)
	ccancel()
	if err != nil {
		return err
	}
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		ccancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+feedChannel); err != nil {
		return err
	}
	// Everything committed from here on is notified; what was committed while no LISTEN was in
	// place (before the first one, or while reconnecting) is read now.
	if err := f.catchUp(ctx); err != nil {
		return err
	}
	f.readyMu.Do(func() { close(f.ready) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var note feedNote
		if err := json.Unmarshal([]byte(n.Payload), &note); err != nil {
			f.s.log.Warn("transcript store: live feed: a notification that is not ours", "payload", n.Payload)
			continue
		}
		if note.Origin == f.origin {
			continue // this store's own commit: already delivered by the writer
		}
		for h, seq := range note.Heads {
			if err := f.remote(ctx, h, seq); err != nil {
				return err
			}
		}
	}
}

// catchUp delivers every event committed after the highest id delivered so far.
func (f *pgFeed) catchUp(ctx context.Context) error {
	f.mu.Lock()
	from := f.maxID
	f.mu.Unlock()
	if from < 0 {
		from = 0
	}
	rows, err := f.s.rdb.QueryContext(ctx, `SELECT hearing_id, MAX(seq) FROM events WHERE id>? GROUP BY hearing_id`, from)
	if err != nil {
		return err
	}
	heads := map[string]int64{}
	for rows.Next() {
		var h string
		var seq int64
		if err := rows.Scan(&h, &seq); err != nil {
			rows.Close()
			return err
		}
		heads[h] = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for h, seq := range heads {
		if err := f.remote(ctx, h, seq); err != nil {
			return err
		}
	}
	return nil
}

// remote delivers hearing h's events up to at least seq that the listeners have not had.
func (f *pgFeed) remote(ctx context.Context, h string, seq int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l, ok := f.last[h]; ok && seq <= l {
		return nil
	}
	evs, err := f.missingLocked(ctx, h, 0)
	if err != nil {
		return err
	}
	f.deliverLocked(evs)
	return nil
}

// missingLocked reads hearing h's committed events after the last one delivered (when the
// gate knows the hearing) or after the feed's start, with seq below before (0: no bound).
func (f *pgFeed) missingLocked(ctx context.Context, h string, before int64) ([]transcript.Event, error) {
	where, args := `hearing_id=? AND id>?`, []any{h, max(f.startID, 0)}
	if l, ok := f.last[h]; ok {
		where, args = `hearing_id=? AND seq>?`, []any{h, l}
	}
	if before > 0 {
		where += ` AND seq<?`
		args = append(args, before)
	}
	return queryEvents(ctx, f.s.rdb, where+` ORDER BY seq`, args...)
}

// deliverLocked hands events (one hearing's, or several, each hearing's in seq order) to the
// listeners, skipping what the gate already delivered.
func (f *pgFeed) deliverLocked(evs []transcript.Event) {
	out := evs[:0:0]
	for _, e := range evs {
		if l, ok := f.last[e.HearingID]; ok && e.Seq <= l {
			continue
		}
		f.last[e.HearingID] = e.Seq
		if e.ID > f.maxID {
			f.maxID = e.ID
		}
		out = append(out, e)
	}
	f.s.callListeners(out)
}

// local delivers the store's own commit through the gate, reading first what other replicas
// committed before it and the feed has not delivered yet.
func (f *pgFeed) local(evs []transcript.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startID < 0 && len(evs) > 0 {
		f.startID, f.maxID = evs[0].ID-1, evs[0].ID-1
	}
	var all []transcript.Event
	first := map[string]bool{}
	for _, e := range evs {
		if !first[e.HearingID] {
			first[e.HearingID] = true
			l, ok := f.last[e.HearingID]
			if (!ok && e.Seq > 1) || (ok && e.Seq > l+1) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				gap, err := f.missingLocked(ctx, e.HearingID, e.Seq)
				cancel()
				if err != nil {
					// Listeners may miss another replica's events before this one; live
					// clients get them on their next reconnect (they resume by id).
					f.s.log.Warn("transcript store: live feed: reading events before a commit", "hearing", e.HearingID, "err", err)
				}
				all = append(all, gap...)
			}
		}
		all = append(all, e)
	}
	f.deliverLocked(all)
}
