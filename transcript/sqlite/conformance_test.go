package sqlite

import "testing"

// conformance lists the tests every dialect of the store passes: revisions and conflicts,
// the audit chain, lifecycle and signing, users and sessions, alarms. Each runs on SQLite as
// its own TestX and on PostgreSQL under TestPostgres.
var conformance = []struct {
	name string
	fn   func(t *testing.T, newDB backend)
}{
	{"SegmentEditsAndConflicts", testSegmentEditsAndConflicts},
	{"EventsSinceAndSubscribe", testEventsSinceAndSubscribe},
	{"ConcurrentEditors", testConcurrentEditors},
	{"AuditDetectsDirectEdits", testAuditDetectsDirectEdits},
	{"LifecycleSignCorrect", testLifecycleSignCorrect},
	{"Users", testUsers},
	{"HearingsUpdateAndList", testHearingsUpdateAndList},
	{"CloseRacesWithWrites", testCloseRacesWithWrites},
	{"ClerkRepairs", testClerkRepairs},
	{"WholePanelSigns", testWholePanelSigns},
	{"AlarmAcksOnTheChain", testAlarmAcksOnTheChain},
	{"SessionsRoundTripAndReopen", testSessionsRoundTripAndReopen},
	{"SegmentExtentGrowsLiveSegment", testSegmentExtentGrowsLiveSegment},
	{"HearingFieldsRefuseControlCharacters", testHearingFieldsRefuseControlCharacters},
	{"WeakPasswordsRefused", testWeakPasswordsRefused},
	{"Administration", testAdministration},
}
