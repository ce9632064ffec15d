package stream

import "context"
import "fmt"
import "math"
import "os"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/backfill"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// writeArchive stores the scene as the hearing's seat WAVs, as ingest keeps them durably.
func writeArchive(t *testing.T, data, id string, audio [][]int16) {
	t.Helper()
	adir := filepath.Join(archive.HearingDir(data, id), archive.AudioDir)
	if err := os.MkdirAll(adir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"judge", "witness"} {
		testrig.WriteWAV(t, filepath.Join(adir, s+".wav"), 16000, audio[i])
	}
}

// twoSeats is the scene's hearing as ingest announces it.
func twoSeats(id string) archive.HearingInfo {
	return archive.HearingInfo{Hearing: id, Courtroom: "room", Seats: []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 2}}}
}

// feedBlocks delivers audio[from:to] in 100 ms blocks, as ingest does after each fsync.
func feedBlocks(st *Stream, id string, audio [][]int16, from, to int, pause time.Duration) {
	for off := from; off < to; off += 1600 {
		end := min(off+1600, to)
		st.Audio(id, int64(off), [][]int16{audio[0][off:end], audio[1][off:end]})
		if pause > 0 {
			time.Sleep(pause)
		}
	}
}

// poll checks cond every pause until it holds or tries run out.
func poll(tries int, pause time.Duration, cond func() bool) {
	for i := 0; i < tries && !cond(); i++ {
		time.Sleep(pause)
	}
}

// allFinal reports whether there are segments and every one of them is final.
func allFinal(segs []transcript.Segment) bool {
	for _, s := range segs {
		if s.Status != transcript.SegmentFinal {
			return false
		}
	}
	return len(segs) > 0
}

// openStore opens the hearing record on a real SQLite file in data.
func openStore(t *testing.T, data string) *sqlite.Store {
	t.Helper()
	store := sqlitetest.Open(t, data, sqlite.Options{})
	return store
}

// startStream runs a pool around eng and a stream on store (cfg's Record, Transcriber and
// Audio are filled in); both stop when the test ends.
func startStream(t *testing.T, store *sqlite.Store, data string, eng asr.Engine, pc pool.Config, cfg Config) *Stream {
	t.Helper()
	var st *Stream
	p, err := pool.New(eng, pc, nil, func(r asr.Result) { st.Result(r) })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Record, cfg.Transcriber, cfg.Audio = store, p, archive.Archive{Dir: data}
	if st, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { p.Run(ctx); done <- struct{}{} }()
	go func() { st.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return st
}

// echoEngine is the outer boundary: it "transcribes" by naming the seat's audio length
// (followed by suffix, when set).
type echoEngine struct {
	fail   bool
	suffix string
}

func (e *echoEngine) Name() string { return "echo" }
func (e *echoEngine) Close() error { return nil }
func (e *echoEngine) Transcribe(ctx context.Context, r asr.Request) (asr.Transcript, error) {
	if e.fail {
		return asr.Transcript{}, asr.ErrUnavailable
	}
	return asr.Transcript{Text: fmt.Sprintf("%s spoke %.1f s", r.Utterance.Seat, float64(len(r.PCM))/wire.SampleRate) + e.suffix, NoSpeechProb: -1}, nil
}

// scene puts speech on judge at 1 s and on witness at 15 s, each bleeding 15 dB into the other mic.
func scene(t *testing.T) [][]int16 {
	a, err := wavfile.ReadFile(testrig.Testdata(t, "jfk.wav"))
	if err != nil {
		t.Fatal(err)
	}
	sp := a.Channels[0]
	n := 28 * wire.SampleRate
	out := [][]int16{make([]int16, n), make([]int16, n)}
	bleed := math.Pow(10, -15.0/20)
	put := func(own, other int, at int) {
		for i, s := range sp {
			out[own][at+i] += s
			if at+i+40 < n {
				out[other][at+i+40] += int16(float64(s) * bleed)
			}
		}
	}
	put(0, 1, 16000)
	put(1, 0, 15*wire.SampleRate)
	// a little room noise on both mics
	seed := uint32(1)
	for c := range out {
		for i := range out[c] {
			seed = seed*1664525 + 1013904223
			out[c][i] += int16(int32(seed>>16)%40 - 20)
		}
	}
	return out
}

func TestLiveHearingBecomesSegmentsWithText(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	store := sqlitetest.Open(t, data, sqlite.Options{})

	audio := scene(t)
	id := "room1-test"
	adir := filepath.Join(archive.HearingDir(data, id), archive.AudioDir)
	os.MkdirAll(adir, 0o755)
	seats := []string{"judge", "witness"}
	ws := make([]*wavfile.Writer, 2)
	for i, s := range seats {
		var err error
		if ws[i], err = wavfile.Create(filepath.Join(adir, s+".wav"), wire.SampleRate); err != nil {
			t.Fatal(err)
		}
	}

	var st *Stream
	p, err := pool.New(&echoEngine{}, func() pool.Config { c := pool.DefaultConfig(); c.Workers = 1; return c }(), nil,
		func(r asr.Result) { st.Result(r) })
	if err != nil {
		t.Fatal(err)
	}
	st, err = New(Config{Record: store, Transcriber: p, Audio: archive.Archive{Dir: data}, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan struct{})
	poolDone := make(chan struct{})
	sctx, scancel := context.WithCancel(ctx)
	go func() { st.Run(sctx); close(runDone) }()
	go func() { p.Run(sctx); close(poolDone) }()

	info := archive.HearingInfo{Hearing: id, Courtroom: "room1", Seats: []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 2}}, SampleRate: wire.SampleRate, Created: time.Now()}
	st.HearingOpened(info, 0)
	// Deliver like ingest: archive durably first, then tell the listener.
	for off := 0; off < len(audio[0]); off += 1600 {
		end := min(off+1600, len(audio[0]))
		blk := [][]int16{audio[0][off:end], audio[1][off:end]}
		for i := range ws {
			ws[i].Write(blk[i])
			ws[i].Sync()
		}
		st.Audio(id, int64(off), blk)
	}
	for _, w := range ws {
		w.Close()
	}
	st.HearingClosed(id)

	var segs []transcript.Segment
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		h, err := store.GetHearing(ctx, id)
		segs, _ = store.ListSegments(ctx, id, false)
		done := err == nil && h.Status == transcript.StatusClosed && len(segs) > 0
		for _, s := range segs {
			if s.Status != transcript.SegmentFinal {
				done = false
			}
		}
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	scancel()
	<-runDone
	<-poolDone
	if len(segs) == 0 {
		t.Fatal("no segments recorded")
	}
	var judge, witness float64
	for _, s := range segs {
		t.Logf("segment %s %.2f-%.2f %q %s", s.Seat, float64(s.StartMS)/1000, float64(s.EndMS)/1000, s.Text, s.Status)
		if s.Status != transcript.SegmentFinal || !strings.Contains(s.Text, s.Seat+" spoke") {
			t.Errorf("segment %d not transcribed: %+v", s.ID, s)
		}
		d := float64(s.EndMS-s.StartMS) / 1000
		switch {
		case s.Seat == "judge" && s.StartMS >= 500 && s.EndMS <= 13500:
			judge += d
		case s.Seat == "witness" && s.StartMS >= 14500 && s.EndMS <= 27500:
			witness += d
		default:
			t.Errorf("segment on the wrong seat or time (bleed attributed?): %+v", s)
		}
	}
	if judge < 6 || witness < 6 {
		t.Errorf("speech found: judge %.1f s, witness %.1f s; want most of jfk's ~9 s on each", judge, witness)
	}
	h, _ := store.GetHearing(ctx, id)
	if h.Status != transcript.StatusClosed || h.Seats[0].Role != "THE COURT" {
		t.Errorf("hearing %+v", h)
	}
	if rep, err := store.AuditHearing(ctx, id); err != nil {
		t.Fatalf("audit: %v %+v", err, rep)
	}
}

func TestEngineDownLeavesSegmentsPendingThenBackfill(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store := sqlitetest.Open(t, data, sqlite.Options{})
	id := "room2-test"
	audio := scene(t)
	writeArchive(t, data, id, audio)
	eng := &echoEngine{fail: true}
	var st *Stream
	p, _ := pool.New(eng, func() pool.Config { c := pool.DefaultConfig(); c.Workers = 1; return c }(), nil, func(r asr.Result) { st.Result(r) })
	st, _ = New(Config{Record: store, Transcriber: p, Audio: archive.Archive{Dir: data}})
	sctx, scancel := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() { p.Run(sctx); close(runDone) }()
	go st.Run(sctx)
	st.HearingOpened(twoSeats(id), 0)
	feedBlocks(st, id, audio, 0, len(audio[0]), 0)
	st.HearingClosed(id)
	var pending []transcript.Segment
	for i := 0; i < 400; i++ {
		pending, _ = store.PendingSegments(ctx, id, 0)
		h, _ := store.GetHearing(ctx, id)
		if h != nil && h.Status == transcript.StatusClosed && len(pending) >= 2 && p.Stats().Busy == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(pending) < 2 {
		t.Fatalf("engine down: want the utterances kept pending, got %d pending", len(pending))
	}
	scancel()
	<-runDone

	// The engine comes back: backfill finishes every pending segment.
	eng.fail = false
	p2, _ := pool.New(eng, pool.DefaultConfig(), nil, func(asr.Result) {})
	bf := &backfill.Backfiller{Store: &Backlog{Record: store}, Audio: archive.Archive{Dir: data}, Engine: p2, Policy: pool.DefaultConfig().Policy}
	rep, err := bf.Run(ctx, id)
	if err != nil {
		t.Fatalf("backfill: %v %+v", err, rep)
	}
	if left, _ := store.PendingSegments(ctx, id, 0); len(left) != 0 {
		t.Fatalf("%d segments still pending after backfill", len(left))
	}
	segs, _ := store.ListSegments(ctx, id, false)
	for _, s := range segs {
		if !strings.Contains(s.Text, "spoke") {
			t.Errorf("segment %d has no text after backfill: %+v", s.ID, s)
		}
	}
}

// A gap in the middle of a hearing: turns before it end, the record gets a gap note, and turns
// after it keep hearing time (no shift).
func TestGapKeepsHearingTime(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store := openStore(t, data)
	id := "room3-gap"
	audio := scene(t)
	gapAt, gapN := 13*wire.SampleRate, 3*wire.SampleRate
	for c := range audio {
		for i := gapAt; i < gapAt+gapN; i++ {
			audio[c][i] = 0 // the archive holds zeros where the gap is
		}
	}
	writeArchive(t, data, id, audio)
	st := startStream(t, store, data, &echoEngine{}, pool.DefaultConfig(), Config{})
	st.HearingOpened(twoSeats(id), 0)
	feed := func(from, to int) { feedBlocks(st, id, audio, from, to, 0) }
	feed(0, gapAt)
	st.Gap(id, int64(gapAt), int64(gapN), "agent-down")
	feed(gapAt+gapN, len(audio[0]))
	st.HearingClosed(id)
	var segs []transcript.Segment
	var notes []transcript.Note
	poll(400, 50*time.Millisecond, func() bool {
		segs, _ = store.ListSegments(ctx, id, false)
		notes, _ = store.ListNotes(ctx, id)
		h, _ := store.GetHearing(ctx, id)
		return h != nil && h.Status == transcript.StatusClosed && allFinal(segs)
	})
	var gap *transcript.Note
	for i := range notes {
		if notes[i].Kind == transcript.NoteGap {
			gap = &notes[i]
		}
	}
	if gap == nil || gap.AtMS != 13000 || gap.EndMS != 16000 {
		t.Fatalf("gap note: %+v (notes %+v)", gap, notes)
	}
	var witness bool
	for _, s := range segs {
		if s.StartMS < 16000 && s.EndMS > 13000 {
			t.Errorf("a segment reaches into the gap: %+v", s)
		}
		if s.Seat == "witness" && s.StartMS >= 16000 && s.EndMS-s.StartMS > 3000 {
			witness = true
		}
	}
	if !witness {
		t.Errorf("the witness's speech after the gap is missing: %+v", segs)
	}
}

// A segment appears in the record while its speaker talks, grows, gets partial text, and
// becomes one final segment with the diarizer's end when the turn is over.
func TestSegmentAppearsAndGrowsWhileSpeaking(t *testing.T) {
	ctx := context.Background()
	id := "room4-live"
	data, store, audio := archivedScene(t, id)
	pc := pool.DefaultConfig()
	pc.PartialInterval = time.Second
	st := startStream(t, store, data, &echoEngine{}, pc, Config{PartialEvery: time.Second})
	st.HearingOpened(twoSeats(id), 0)
	// a short pause per block lets the idle worker take partials, as in real time
	feed := func(from, to int) { feedBlocks(st, id, audio, from, to, 2*time.Millisecond) }
	feed(0, 7*wire.SampleRate) // the judge has been speaking since 1 s
	var live *transcript.Segment
	for i := 0; i < 200 && (live == nil || live.Status != transcript.SegmentPartial || live.EndMS < 5000); i++ {
		live = lastSegment(ctx, store, id, onSeat("judge"))
		time.Sleep(20 * time.Millisecond)
	}
	if live == nil {
		t.Fatal("no segment while the judge is still speaking")
	}
	if live.StartMS > 1300 || live.EndMS < 5000 || live.EndMS > 7000 {
		t.Errorf("live segment %d–%d ms: want it to start near 1 s and to have grown to 5–7 s", live.StartMS, live.EndMS)
	}
	if live.Status != transcript.SegmentPartial || !strings.Contains(live.Text, "judge spoke") {
		t.Errorf("no partial text while speaking: %+v", live)
	}
	feed(7*wire.SampleRate, len(audio[0]))
	st.HearingClosed(id)
	var final *transcript.Segment
	for i := 0; i < 400; i++ {
		g, _ := store.GetSegment(ctx, live.ID)
		if g != nil && g.Status == transcript.SegmentFinal && g.EndMS > 10000 {
			final = g
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if final == nil {
		g, _ := store.GetSegment(ctx, live.ID)
		t.Fatalf("the live segment did not become final with its full extent: %+v", g)
	}
	segs, _ := store.ListSegments(ctx, id, false)
	for _, s := range segs {
		if s.ID != final.ID && s.Seat == "judge" && s.StartMS < final.EndMS && s.EndMS > final.StartMS {
			t.Errorf("the turn was recorded twice: %+v and %+v", final, s)
		}
	}
}

// The server dies while the judge is speaking; after the restart the turn cut by the crash is
// continued in its segment from the archive and finishes with its full extent and text, once.
func TestRestartContinuesTheTurnCutByTheCrash(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	id := "room5-crash"
	audio := scene(t)
	writeArchive(t, data, id, audio)
	info := twoSeats(id)
	feed := func(st *Stream, from, to int) { feedBlocks(st, id, audio, from, to, 0) }
	start := func(store *sqlite.Store) (*Stream, context.CancelFunc, chan struct{}) {
		var st *Stream
		p, _ := pool.New(&echoEngine{}, pool.DefaultConfig(), nil, func(r asr.Result) { st.Result(r) })
		st, _ = New(Config{Record: store, Transcriber: p, Audio: archive.Archive{Dir: data}})
		c, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go p.Run(c)
		go func() { st.Run(c); close(done) }()
		return st, cancel, done
	}

	store1, err := sqlite.OpenData(ctx, data, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st1, cancel1, done1 := start(store1)
	st1.HearingOpened(info, 0)
	crashAt := 7 * wire.SampleRate
	feed(st1, 0, crashAt)
	var cut *transcript.Segment
	for i := 0; i < 200 && (cut == nil || cut.EndMS < 5000); i++ {
		cut = lastSegment(ctx, store1, id, onSeat("judge"))
		time.Sleep(20 * time.Millisecond)
	}
	if cut == nil {
		t.Fatal("no live segment before the crash")
	}
	store1.Close() // the crash: nothing more reaches the record from the old process
	cancel1()
	<-done1

	store2 := sqlitetest.Open(t, data, sqlite.Options{})
	st2, cancel2, done2 := start(store2)
	defer func() { cancel2(); <-done2 }()
	st2.HearingOpened(info, int64(crashAt))
	feed(st2, crashAt, len(audio[0]))
	st2.HearingClosed(id)
	var segs []transcript.Segment
	poll(400, 25*time.Millisecond, func() bool {
		segs, _ = store2.ListSegments(ctx, id, false)
		h, _ := store2.GetHearing(ctx, id)
		return h != nil && h.Status == transcript.StatusClosed && allFinal(segs)
	})
	var judgeSpeech float64
	var witness bool
	var cutFinal bool
	for _, s := range segs {
		if s.Status != transcript.SegmentFinal {
			t.Errorf("segment without final text after the restart: %+v", s)
		}
		if s.ID == cut.ID {
			cutFinal = s.Status == transcript.SegmentFinal && strings.Contains(s.Text, "judge spoke")
		}
		if s.Seat == "judge" {
			judgeSpeech += float64(s.EndMS-s.StartMS) / 1000
			for _, o := range segs {
				if o.ID != s.ID && o.Seat == "judge" && o.StartMS < s.EndMS && o.EndMS > s.StartMS {
					t.Errorf("judge's speech recorded twice: %+v and %+v", s, o)
				}
			}
		}
		if s.Seat == "witness" && s.StartMS > 14000 {
			witness = true
		}
	}
	if !cutFinal {
		t.Errorf("the segment cut by the crash did not get its final text: %+v", segs)
	}
	// 11 s were spoken; the diarizer's voicing gate may split the synthetic voice at its
	// unvoiced stretches (about 2 s of it), so "most" is 8 s. A turn lost to the crash leaves 5 s.
	if judgeSpeech < 8 {
		t.Errorf("the judge's turn after the crash is missing: %.1f s of judge speech recorded, want most of 1–12 s (%+v)", judgeSpeech, segs)
	}
	if !witness {
		t.Errorf("the witness after the restart is missing: %+v", segs)
	}
}

// Backfill leaves a turn still being spoken to the live path: its segment is pending but not
// final in extent, and transcribing it early would settle a blip of its first 100 ms.
func TestBacklogSkipsTurnsInProgress(t *testing.T) {
	ctx := context.Background()
	store := sqlitetest.Open(t, t.TempDir(), sqlite.Options{})
	if _, err := store.CreateHearing(ctx, "system", transcript.Hearing{ID: "h1", Language: "en",
		Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}}}); err != nil {
		t.Fatal(err)
	}
	store.Start(ctx, "system", "h1")
	done, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "judge", StartMS: 1000, EndMS: 3000})
	live, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "judge", StartMS: 4000, EndMS: 4100})
	b := &Backlog{Record: store, Skip: func(seg int64) bool { return seg == live.ID }}
	us, err := b.Pending(ctx, "h1")
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].ID != SegmentUtteranceID(done.ID) {
		t.Fatalf("pending for backfill: %+v; want only segment %d (segment %d is still being spoken)", us, done.ID, live.ID)
	}
}

// The agent ends its session while the witness is still speaking (the last audio): the open
// turn is ended with the audio, transcribed, and no longer held back from backfill.
func TestSessionEndEndsOpenTurns(t *testing.T) {
	ctx := context.Background()
	id := "room6-end"
	data, store, audio := archivedScene(t, id)
	st := startStream(t, store, data, &echoEngine{}, pool.DefaultConfig(), Config{})
	st.HearingOpened(twoSeats(id), 0)
	feedBlocks(st, id, audio, 0, 20*wire.SampleRate, 0) // the witness speaks from 15 s to 26 s
	st.SessionEnded(id)
	var witness *transcript.Segment
	poll(400, 25*time.Millisecond, func() bool {
		witness = lastSegment(ctx, store, id, func(g *transcript.Segment) bool { return g.Seat == "witness" && g.StartMS > 14000 })
		return witness != nil && witness.Status == transcript.SegmentFinal
	})
	if witness == nil || witness.Status != transcript.SegmentFinal || witness.EndMS < 19000 || witness.EndMS > 20100 {
		t.Fatalf("the witness's open turn at the end of the session: %+v; want it final, ending with the audio at 20 s", witness)
	}
	if st.InProgress(witness.ID) {
		t.Error("the ended turn is still marked in progress (backfill would skip it forever)")
	}
}

// An engine's text that the record would refuse (NUL, broken UTF-8) is cleaned on the way in,
// so the utterance ends with text instead of staying pending for ever.
func TestEngineTextTheRecordWouldRefuseIsCleaned(t *testing.T) {
	ctx := context.Background()
	id := "room7-clean"
	data, store, audio := archivedScene(t, id)
	st := startStream(t, store, data, &echoEngine{suffix: " \x00ok\xe4\xb8"}, pool.DefaultConfig(), Config{})
	st.HearingOpened(twoSeats(id), 0)
	feedBlocks(st, id, audio, 0, len(audio[0]), 0)
	st.SessionEnded(id)
	var segs []transcript.Segment
	poll(400, 25*time.Millisecond, func() bool {
		segs, _ = store.ListSegments(ctx, id, false)
		return allFinal(segs)
	})
	if len(segs) == 0 {
		t.Fatal("no segments")
	}
	for _, sg := range segs {
		if sg.Status != transcript.SegmentFinal || !strings.HasSuffix(sg.Text, " ok\uFFFD") {
			t.Fatalf("segment %+v: want final with the cleaned text", sg)
		}
	}
}

// lastSegment is the last of the hearing's segments that keep accepts, or nil.
func lastSegment(ctx context.Context, store Record, id string, keep func(*transcript.Segment) bool) *transcript.Segment {
	var last *transcript.Segment
	segs, _ := store.ListSegments(ctx, id, false)
	for i := range segs {
		if keep(&segs[i]) {
			last = &segs[i]
		}
	}
	return last
}

// onSeat accepts the segments of one seat.
func onSeat(seat string) func(*transcript.Segment) bool {
	return func(g *transcript.Segment) bool { return g.Seat == seat }
}

// archivedScene is a fresh data directory whose archive holds the scene as hearing id, and a
// record store on it.
func archivedScene(t *testing.T, id string) (data string, store *sqlite.Store, audio [][]int16) {
	t.Helper()
	data = t.TempDir()
	store = openStore(t, data)
	audio = scene(t)
	writeArchive(t, data, id, audio)
	return data, store, audio
}
