package sqlite

import "bytes"
import "context"
import "encoding/json"
import "fmt"

import "github.com/courtscribe/courtscribe/transcript"

// AuditHearing implements transcript.Lifecycle. It reads in one read transaction so the
// picture is consistent while writers go on.
func (s *Store) AuditHearing(ctx context.Context, id string) (*transcript.AuditReport, error) {
	// The published heads first: each belongs to a commit the read transaction below sees.
	published, err := s.readHeadLog(id)
	if err != nil {
		return nil, fmt.Errorf("head log: %w", err)
	}
	rtx, err := s.rdb.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer rtx.Rollback()
	rep := &transcript.AuditReport{HearingID: id}

	if id != "" {
		if _, err := hearingDoc(ctx, rtx, id); err != nil {
			return nil, err
		}
	}
	evs, err := queryEvents(ctx, rtx, `hearing_id=? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	// 1. The chain: contiguous seq, links, hashes. Report the first broken event.
	auditChain(rep, evs, published)
	if id == "" {
		return rep, auditUsers(ctx, rtx, evs, rep)
	}
	// 2. Current rows against the last snapshot the history holds for them.
	hist := lastRecorded(evs)
	if err := auditRows(ctx, rtx, id, hist, rep); err != nil {
		return nil, err
	}
	// 3. Versions: stored record → hash, hash → finalize event, signature → key and event.
	if err := s.auditVersions(ctx, rtx, id, hist, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// auditChain checks the chain's links and hashes (the first broken event is reported), then
// the published heads, and records its length and head.
func auditChain(rep *transcript.AuditReport, evs []transcript.Event, published []headLine) {
	prev := ""
	for i := range evs {
		e := &evs[i]
		if msg := chainBreak(e, i, prev); msg != "" {
			rep.Problems = append(rep.Problems, transcript.AuditProblem{EventID: e.ID, EventSeq: e.Seq, Message: msg})
			break
		}
		prev = e.Hash
	}
	if len(rep.Problems) == 0 {
		if p := checkHeadLog(evs, published); p != nil {
			rep.Problems = append(rep.Problems, *p)
		}
	}
	rep.Events = len(evs)
	if len(evs) > 0 {
		rep.Head = evs[len(evs)-1].Hash
	}
}

// chainBreak says how the i-th event (0-based) breaks the chain after prev ("" when it does not).
func chainBreak(e *transcript.Event, i int, prev string) string {
	switch {
	case e.Seq != int64(i+1):
		return fmt.Sprintf("sequence gap: expected seq %d (an event was removed or inserted)", i+1)
	case e.PrevHash != prev:
		return "prev_hash does not match the previous event's hash"
	case transcript.EventHash(e) != e.Hash:
		return "hash does not match the event's content (the event was altered)"
	}
	return ""
}

// recorded is the last state the history of a hearing holds for each thing it records.
type recorded struct {
	seg, note      map[int64]*transcript.Event
	hearing, audio *transcript.Event
	finals         map[int]*transcript.Event
	signs          map[string]*transcript.Event // "version/signer"
	reviewed       []json.RawMessage
}

func lastRecorded(evs []transcript.Event) *recorded {
	r := &recorded{seg: map[int64]*transcript.Event{}, note: map[int64]*transcript.Event{},
		finals: map[int]*transcript.Event{}, signs: map[string]*transcript.Event{}}
	for i := range evs {
		e := &evs[i]
		switch {
		case e.SegmentID != 0:
			r.seg[e.SegmentID] = e
		case e.NoteID != 0:
			r.note[e.NoteID] = e
		case e.Kind == transcript.EventHearingCreated || e.Kind == transcript.EventHearingUpdated || e.Kind == transcript.EventHearingStatus:
			r.hearing = e
		case e.Kind == transcript.EventAudio:
			r.audio = e
		case e.Kind == transcript.EventFinalized:
			var v transcript.Version
			if json.Unmarshal(e.After, &v) == nil {
				r.finals[v.Number] = e
			}
		case e.Kind == transcript.EventSigned:
			var sg transcript.Signature
			if json.Unmarshal(e.After, &sg) == nil {
				r.signs[fmt.Sprintf("%d/%s", sg.Version, sg.Signer)] = e
			}
		case e.Kind == transcript.EventReviewed:
			r.reviewed = append(r.reviewed, e.After)
		}
	}
	return r
}

// auditRows compares the hearing row, its segments, notes and audio list with their last
// recorded state.
func auditRows(ctx context.Context, q querier, id string, hist *recorded, rep *transcript.AuditReport) error {
	add := func(p transcript.AuditProblem) { rep.Problems = append(rep.Problems, p) }
	doc, err := hearingDoc(ctx, q, id)
	if err != nil {
		return err
	}
	if hist.hearing == nil || !bytes.Equal(hist.hearing.After, []byte(doc)) {
		add(transcript.AuditProblem{Message: "the hearing row differs from its last recorded state"})
	}
	segs, err := querySegments(ctx, q, `hearing_id=? ORDER BY id`, id)
	if err != nil {
		return err
	}
	rep.Segments = len(segs)
	auditTable(rep, segs, func(g *transcript.Segment) int64 { return g.ID }, hist.seg, segmentRows)
	notes, err := queryNotes(ctx, q, id)
	if err != nil {
		return err
	}
	rep.Notes = len(notes)
	auditTable(rep, notes, func(n *transcript.Note) int64 { return n.ID }, hist.note, noteRows)
	audio, err := queryAudio(ctx, q, id)
	if err != nil {
		return err
	}
	if hist.audio != nil && !bytes.Equal(mustJSON(audio), hist.audio.After) || hist.audio == nil && len(audio) > 0 {
		add(transcript.AuditProblem{Message: "the audio file list differs from the one recorded at closing"})
	}
	return nil
}

// rowTable is how the audit names the rows of a table that the history records one by one.
type rowTable struct {
	problem                     func(id int64) transcript.AuditProblem // the problem naming the row
	noHistory, differs, missing string
}

var (
	segmentRows = rowTable{func(id int64) transcript.AuditProblem { return transcript.AuditProblem{SegmentID: id} },
		"segment has no history (inserted outside the store)",
		"segment row differs from its last recorded revision (altered outside the store)",
		"segment in the history is missing from the segments table (removed outside the store)"}
	noteRows = rowTable{func(id int64) transcript.AuditProblem { return transcript.AuditProblem{NoteID: id} },
		"note has no history (inserted outside the store)",
		"note row differs from its recorded state",
		"note in the history is missing from the notes table"}
)

// auditTable compares each row with the last event that recorded it, then reports the rows
// the history has and the table lacks.
func auditTable[T any](rep *transcript.AuditReport, rows []T, idOf func(*T) int64, last map[int64]*transcript.Event, tb rowTable) {
	withEvent := func(id int64, e *transcript.Event, msg string) transcript.AuditProblem {
		p := tb.problem(id)
		p.EventID, p.EventSeq, p.Message = e.ID, e.Seq, msg
		return p
	}
	for i := range rows {
		id := idOf(&rows[i])
		e := last[id]
		if e == nil {
			p := tb.problem(id)
			p.Message = tb.noHistory
			rep.Problems = append(rep.Problems, p)
			continue
		}
		if !bytes.Equal(mustJSON(&rows[i]), e.After) {
			rep.Problems = append(rep.Problems, withEvent(id, e, tb.differs))
		}
		delete(last, id)
	}
	for id, e := range last {
		rep.Problems = append(rep.Problems, withEvent(id, e, tb.missing))
	}
}

// auditVersions checks every stored version against its hash, the history and the signing
// keys, then reports signatures and reviews the history holds and no version does.
func (s *Store) auditVersions(ctx context.Context, q querier, id string, hist *recorded, rep *transcript.AuditReport) error {
	svs, err := queryStoredVersions(ctx, q, id)
	if err != nil {
		return err
	}
	rep.Versions = len(svs)
	var keys transcript.KeyHistory
	if len(svs) > 0 {
		if keys, err = s.signingKeys(ctx, q, rep); err != nil {
			return err
		}
	}
	for _, v := range svs {
		if err := auditVersion(rep, v, hist, keys); err != nil {
			return err
		}
	}
	for k := range hist.signs {
		rep.Problems = append(rep.Problems, transcript.AuditProblem{Message: "the history records a signature (" + k + ") that the version lacks"})
	}
	if len(hist.reviewed) > 0 {
		rep.Problems = append(rep.Problems, transcript.AuditProblem{Message: "the history records a party's review that no version holds"})
	}
	return nil
}

// signingKeys is the key history of the users chain. Signatures are pinned to the keys the
// users chain registered for their signers; a broken users chain vouches for nothing.
func (s *Store) signingKeys(ctx context.Context, q querier, rep *transcript.AuditReport) (transcript.KeyHistory, error) {
	uevs, err := queryEvents(ctx, q, `hearing_id='' ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	if p := brokenLink(uevs); p != nil {
		rep.Problems = append(rep.Problems, transcript.AuditProblem{Message: "the users chain is broken (" + p.String() + "): signing keys cannot be vouched for"})
	} else if p := checkHeadLog(uevs, mustHeads(s.readHeadLog(""))); p != nil {
		rep.Problems = append(rep.Problems, transcript.AuditProblem{Message: "users chain: " + p.String() + "; signing keys cannot be vouched for"})
	}
	return transcript.KeyHistoryFromEvents(uevs), nil
}

// auditVersion checks one stored version: its record and hash, the finalize event, each
// signature and each party review (those found are taken from hist).
func auditVersion(rep *transcript.AuditReport, v storedVersion, hist *recorded, keys transcript.KeyHistory) error {
	add := func(msg string) {
		rep.Problems = append(rep.Problems, transcript.AuditProblem{Version: v.Number, Message: msg})
	}
	var r transcript.Record
	if err := json.Unmarshal([]byte(v.record), &r); err != nil {
		add("stored record is not valid JSON")
		return nil
	}
	h, err := transcript.RecordHash(&r)
	if err != nil {
		return err
	}
	canon, _ := r.Canonical()
	switch {
	case string(canon) != v.record:
		add("stored record is not in canonical form (altered)")
	case h != v.Hash || r.VersionHash != v.Hash:
		add("stored record does not match its version hash (altered)")
	}
	fe := hist.finals[v.Number]
	var fv transcript.Version
	if fe == nil || json.Unmarshal(fe.After, &fv) != nil || fv.Hash != v.Hash {
		add("version hash differs from the one recorded in the history")
	}
	var sigs []transcript.Signature
	if v.Signature != nil {
		sigs = append(sigs, *v.Signature)
	}
	sigs = append(sigs, v.cosigs...)
	rh := transcript.ReviewsHash(v.reviews)
	for i := range sigs {
		auditSignature(add, v, &sigs[i], rh, hist, keys)
	}
	for _, rv := range v.reviews {
		if len(hist.reviewed) == 0 || !bytes.Equal(hist.reviewed[0], mustJSON(&rv)) {
			add("a party's review differs from the one recorded in the history")
		} else {
			hist.reviewed = hist.reviewed[1:]
		}
	}
	return nil
}

// auditSignature checks a version's signature against the signer's pinned keys, the reviews
// it covers and the signature event.
func auditSignature(add func(string), v storedVersion, sg *transcript.Signature, reviewsHash string, hist *recorded, keys transcript.KeyHistory) {
	// pinned: the key must be one registered for the signer (issue 11 item 3)
	if err := transcript.VerifyPinned(sg, v.Hash, keys); err != nil {
		add(sg.Signer + ": " + err.Error())
	}
	if sg.ReviewsHash != reviewsHash {
		add(sg.Signer + ": the signature covers other party reviews than the version holds")
	}
	k := fmt.Sprintf("%d/%s", v.Number, sg.Signer)
	se := hist.signs[k]
	if se == nil || !bytes.Equal(se.After, mustJSON(sg)) {
		add("signature of " + sg.Signer + " differs from the one recorded in the history")
	}
	delete(hist.signs, k)
}

// brokenLink returns the first broken link of a chain (nil when intact).
func brokenLink(evs []transcript.Event) *transcript.AuditProblem {
	prev := ""
	for i := range evs {
		e := &evs[i]
		if e.Seq != int64(i+1) || e.PrevHash != prev || transcript.EventHash(e) != e.Hash {
			return &transcript.AuditProblem{EventID: e.ID, EventSeq: e.Seq, Message: "broken link"}
		}
		prev = e.Hash
	}
	return nil
}

// mustHeads drops a head log that cannot be read (its absence is not a finding).
func mustHeads(l []headLine, err error) []headLine {
	if err != nil {
		return nil
	}
	return l
}

// auditUsers compares every user row (role, disabled, public key) with the last snapshot of
// that user in the users chain, so a role raised or a key swapped in the file is found.
func auditUsers(ctx context.Context, q querier, evs []transcript.Event, rep *transcript.AuditReport) error {
	last := map[string]*transcript.Event{}
	for i := range evs {
		var u transcript.User
		if json.Unmarshal(evs[i].After, &u) == nil && u.Name != "" {
			last[u.Name] = &evs[i]
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return err
		}
		e := last[u.Name]
		switch {
		case e == nil:
			rep.Problems = append(rep.Problems, transcript.AuditProblem{Message: fmt.Sprintf("user %s has no history (inserted outside courtscribe)", u.Name)})
		case !bytes.Equal(mustJSON(u), e.After):
			rep.Problems = append(rep.Problems, transcript.AuditProblem{EventID: e.ID, EventSeq: e.Seq,
				Message: fmt.Sprintf("user %s differs from its last recorded state (role, status or key altered outside courtscribe)", u.Name)})
		}
	}
	return rows.Err()
}
