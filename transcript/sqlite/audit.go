package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/courtscribe/courtscribe/transcript"
)

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
	add := func(p transcript.AuditProblem) { rep.Problems = append(rep.Problems, p) }

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
	prev := ""
	for i := range evs {
		e := &evs[i]
		switch {
		case e.Seq != int64(i+1):
			add(transcript.AuditProblem{EventID: e.ID, EventSeq: e.Seq, Message: fmt.Sprintf("sequence gap: expected seq %d (an event was removed or inserted)", i+1)})
		case e.PrevHash != prev:
			add(transcript.AuditProblem{EventID: e.ID, EventSeq: e.Seq, Message: "prev_hash does not match the previous event's hash"})
		case transcript.EventHash(e) != e.Hash:
			add(transcript.AuditProblem{EventID: e.ID, EventSeq: e.Seq, Message: "hash does not match the event's content (the event was altered)"})
		}
		if len(rep.Problems) > 0 {
			break
		}
		prev = e.Hash
	}
	if len(rep.Problems) == 0 {
		if p := checkHeadLog(evs, published); p != nil {
			add(*p)
		}
	}
	rep.Events = len(evs)
	if len(evs) > 0 {
		rep.Head = evs[len(evs)-1].Hash
	}
	if id == "" {
		return rep, auditUsers(ctx, rtx, evs, rep)
	}

	// 2. Current rows against the last snapshot the history holds for them.
	lastSeg := map[int64]*transcript.Event{}
	lastNote := map[int64]*transcript.Event{}
	var lastHearing, lastAudio *transcript.Event
	finals := map[int]*transcript.Event{}
	signs := map[string]*transcript.Event{} // "version/signer"
	var reviewed []json.RawMessage
	for i := range evs {
		e := &evs[i]
		switch {
		case e.SegmentID != 0:
			lastSeg[e.SegmentID] = e
		case e.NoteID != 0:
			lastNote[e.NoteID] = e
		case e.Kind == transcript.EventHearingCreated || e.Kind == transcript.EventHearingUpdated || e.Kind == transcript.EventHearingStatus:
			lastHearing = e
		case e.Kind == transcript.EventAudio:
			lastAudio = e
		case e.Kind == transcript.EventFinalized:
			var v transcript.Version
			if json.Unmarshal(e.After, &v) == nil {
				finals[v.Number] = e
			}
		case e.Kind == transcript.EventSigned:
			var sg transcript.Signature
			if json.Unmarshal(e.After, &sg) == nil {
				signs[fmt.Sprintf("%d/%s", sg.Version, sg.Signer)] = e
			}
		case e.Kind == transcript.EventReviewed:
			reviewed = append(reviewed, e.After)
		}
	}
	doc, err := hearingDoc(ctx, rtx, id)
	if err != nil {
		return nil, err
	}
	if lastHearing == nil || !bytes.Equal(lastHearing.After, []byte(doc)) {
		add(transcript.AuditProblem{Message: "the hearing row differs from its last recorded state"})
	}
	segs, err := querySegments(ctx, rtx, `hearing_id=? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	rep.Segments = len(segs)
	for i := range segs {
		g := &segs[i]
		e := lastSeg[g.ID]
		if e == nil {
			add(transcript.AuditProblem{SegmentID: g.ID, Message: "segment has no history (inserted outside the store)"})
			continue
		}
		if !bytes.Equal(mustJSON(g), e.After) {
			add(transcript.AuditProblem{SegmentID: g.ID, EventID: e.ID, EventSeq: e.Seq, Message: "segment row differs from its last recorded revision (altered outside the store)"})
		}
		delete(lastSeg, g.ID)
	}
	for sid, e := range lastSeg {
		add(transcript.AuditProblem{SegmentID: sid, EventID: e.ID, EventSeq: e.Seq, Message: "segment in the history is missing from the segments table (removed outside the store)"})
	}
	notes, err := queryNotes(ctx, rtx, id)
	if err != nil {
		return nil, err
	}
	rep.Notes = len(notes)
	for i := range notes {
		n := &notes[i]
		e := lastNote[n.ID]
		if e == nil {
			add(transcript.AuditProblem{NoteID: n.ID, Message: "note has no history (inserted outside the store)"})
			continue
		}
		if !bytes.Equal(mustJSON(n), e.After) {
			add(transcript.AuditProblem{NoteID: n.ID, EventID: e.ID, EventSeq: e.Seq, Message: "note row differs from its recorded state"})
		}
		delete(lastNote, n.ID)
	}
	for nid, e := range lastNote {
		add(transcript.AuditProblem{NoteID: nid, EventID: e.ID, EventSeq: e.Seq, Message: "note in the history is missing from the notes table"})
	}
	audio, err := queryAudio(ctx, rtx, id)
	if err != nil {
		return nil, err
	}
	if lastAudio != nil && !bytes.Equal(mustJSON(audio), lastAudio.After) || lastAudio == nil && len(audio) > 0 {
		add(transcript.AuditProblem{Message: "the audio file list differs from the one recorded at closing"})
	}

	// 3. Versions: stored record → hash, hash → finalize event, signature → key and event.
	svs, err := queryStoredVersions(ctx, rtx, id)
	if err != nil {
		return nil, err
	}
	rep.Versions = len(svs)
	var keys transcript.KeyHistory
	if len(svs) > 0 {
		// Signatures are pinned to the keys the users chain registered for their signers; a
		// broken users chain vouches for nothing.
		uevs, err := queryEvents(ctx, rtx, `hearing_id='' ORDER BY seq`)
		if err != nil {
			return nil, err
		}
		if p := brokenLink(uevs); p != nil {
			add(transcript.AuditProblem{Message: "the users chain is broken (" + p.String() + "): signing keys cannot be vouched for"})
		} else if p := checkHeadLog(uevs, mustHeads(s.readHeadLog(""))); p != nil {
			add(transcript.AuditProblem{Message: "users chain: " + p.String() + "; signing keys cannot be vouched for"})
		}
		keys = transcript.KeyHistoryFromEvents(uevs)
	}
	for _, v := range svs {
		var r transcript.Record
		if err := json.Unmarshal([]byte(v.record), &r); err != nil {
			add(transcript.AuditProblem{Version: v.Number, Message: "stored record is not valid JSON"})
			continue
		}
		h, err := transcript.RecordHash(&r)
		if err != nil {
			return nil, err
		}
		canon, _ := r.Canonical()
		switch {
		case string(canon) != v.record:
			add(transcript.AuditProblem{Version: v.Number, Message: "stored record is not in canonical form (altered)"})
		case h != v.Hash || r.VersionHash != v.Hash:
			add(transcript.AuditProblem{Version: v.Number, Message: "stored record does not match its version hash (altered)"})
		}
		fe := finals[v.Number]
		var fv transcript.Version
		if fe == nil || json.Unmarshal(fe.After, &fv) != nil || fv.Hash != v.Hash {
			add(transcript.AuditProblem{Version: v.Number, Message: "version hash differs from the one recorded in the history"})
		}
		var sigs []transcript.Signature
		if v.Signature != nil {
			sigs = append(sigs, *v.Signature)
		}
		sigs = append(sigs, v.cosigs...)
		rh := transcript.ReviewsHash(v.reviews)
		for i := range sigs {
			sg := &sigs[i]
			// pinned: the key must be one registered for the signer (issue 11 item 3)
			if err := transcript.VerifyPinned(sg, v.Hash, keys); err != nil {
				add(transcript.AuditProblem{Version: v.Number, Message: sg.Signer + ": " + err.Error()})
			}
			if sg.ReviewsHash != rh {
				add(transcript.AuditProblem{Version: v.Number, Message: sg.Signer + ": the signature covers other party reviews than the version holds"})
			}
			k := fmt.Sprintf("%d/%s", v.Number, sg.Signer)
			se := signs[k]
			if se == nil || !bytes.Equal(se.After, mustJSON(sg)) {
				add(transcript.AuditProblem{Version: v.Number, Message: "signature of " + sg.Signer + " differs from the one recorded in the history"})
			}
			delete(signs, k)
		}
		for _, rv := range v.reviews {
			if len(reviewed) == 0 || !bytes.Equal(reviewed[0], mustJSON(&rv)) {
				add(transcript.AuditProblem{Version: v.Number, Message: "a party's review differs from the one recorded in the history"})
			} else {
				reviewed = reviewed[1:]
			}
		}
	}
	for k := range signs {
		add(transcript.AuditProblem{Message: "the history records a signature (" + k + ") that the version lacks"})
	}
	if len(reviewed) > 0 {
		add(transcript.AuditProblem{Message: "the history records a party's review that no version holds"})
	}
	return rep, nil
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
