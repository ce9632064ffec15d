package transcript

import "context"
import "time"

// EventAlarmAcked records that someone acknowledged an alarm of the hearing's record health
// panel (After: the AlarmAck). It is on the hearing's hash chain like every other event.
const EventAlarmAcked EventKind = "alarm.acknowledged"

// AlarmAck is one acknowledgement of an alarm of a hearing's record health panel (a dead
// microphone, clipping, a disconnected agent …): who acknowledged which alarm, and when.
// Since names the episode acknowledged: the time the server first saw this alarm stand
// (an alarm that clears and comes back is a new episode, and alarms again).
type AlarmAck struct {
	HearingID string    `json:"hearing_id"`
	Code      string    `json:"code"`           // the alarm's code: no_signal, dead_mic, clipping …
	Seat      string    `json:"seat,omitempty"` // the seat the alarm is about, if any
	Since     time.Time `json:"since"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// AlarmAcks keeps alarm acknowledgements per hearing. It is a separate interface from Store
// so that a store without it still serves everything else (the API then keeps
// acknowledgements in the browser, as before).
type AlarmAcks interface {
	// AckAlarm records an acknowledgement by actor (By and At are set by the store). Any
	// status: an integrity alarm stands on a finalized hearing too.
	AckAlarm(ctx context.Context, actor string, a AlarmAck) (*AlarmAck, error)
	// AlarmAcks lists a hearing's acknowledgements, oldest first.
	AlarmAcks(ctx context.Context, hearingID string) ([]AlarmAck, error)
}
