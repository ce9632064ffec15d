package sqlite

import "context"
import "encoding/json"
import "fmt"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

var _ transcript.AlarmAcks = (*Store)(nil)

// AckAlarm implements transcript.AlarmAcks: the acknowledgement is an event on the hearing's
// hash chain (no table of its own), so it is audited and exported with the history.
func (s *Store) AckAlarm(ctx context.Context, actor string, a transcript.AlarmAck) (*transcript.AlarmAck, error) {
	if a.Code == "" || len(a.Code) > 64 || !wire.ValidID(a.Code) {
		return nil, transcript.Invalidf("alarm code %q", a.Code)
	}
	if a.Seat != "" && !wire.ValidSeatName(a.Seat) {
		return nil, transcript.Invalidf("alarm seat %q", a.Seat)
	}
	if a.Since.IsZero() {
		return nil, transcript.Invalidf("an acknowledgement names the alarm's episode (since)")
	}
	var out *transcript.AlarmAck
	err := s.write(ctx, func(t *tx) error {
		h, err := getHearing(ctx, t, a.HearingID)
		if err != nil {
			return err
		}
		a.Since = transcript.NormTime(a.Since)
		a.By, a.At = actor, t.now
		out = &a
		_, err = t.appendEvent(ctx, transcript.Event{HearingID: h.ID, Kind: transcript.EventAlarmAcked, Actor: actor,
			Reason: a.Code + "/" + a.Seat, After: mustJSON(&a)})
		return err
	})
	return out, err
}

// AlarmAcks implements transcript.AlarmAcks.
func (s *Store) AlarmAcks(ctx context.Context, hearingID string) ([]transcript.AlarmAck, error) {
	evs, err := queryEvents(ctx, s.rdb, `hearing_id=? AND kind=? ORDER BY seq`, hearingID, string(transcript.EventAlarmAcked))
	if err != nil {
		return nil, err
	}
	out := make([]transcript.AlarmAck, 0, len(evs))
	for _, e := range evs {
		var a transcript.AlarmAck
		if err := json.Unmarshal(e.After, &a); err != nil {
			return nil, fmt.Errorf("event %d: %w", e.ID, err)
		}
		out = append(out, a)
	}
	return out, nil
}
