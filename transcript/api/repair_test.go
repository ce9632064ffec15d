package api

import "encoding/base64"
import "fmt"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// TestRepairEndpoints: the clerk strikes (with a reason), inserts a missed utterance, edits and
// strikes notes naming their revision, and answers a party's written request with a 补正 whose
// document can be fetched again.
func TestRepairEndpoints(t *testing.T) {
	r := newRig(t)
	_, segs := r.hearing("h1", 3)
	c := r.login("zhaoliu")
	hp := "/api/hearings/h1"
	if code := c.do("POST", fmt.Sprintf("/api/segments/%d/delete", segs[2].ID), map[string]any{"revision": segs[2].Revision}, nil); code != 400 {
		t.Fatalf("strike without a reason: %d", code)
	}
	var ch segmentChange
	if code := c.do("POST", fmt.Sprintf("/api/segments/%d/delete", segs[2].ID), map[string]any{"revision": segs[2].Revision, "reason": "噪声"}, &ch); code != 200 || !ch.Segment.Deleted {
		t.Fatalf("strike: %d %+v", code, ch.Segment)
	}
	if code := c.do("POST", hp+"/segments", map[string]any{"seat": "plaintiff", "start_ms": 9000, "end_ms": 9500, "text": "同意。"}, nil); code != 400 {
		t.Fatalf("insert without a reason: %d", code)
	}
	if code := c.do("POST", hp+"/segments", map[string]any{"seat": "plaintiff", "start_ms": 9000, "end_ms": 9500, "text": "同意。", "reason": "未开麦克风"}, &ch); code != 201 || !ch.Segment.Edited {
		t.Fatalf("insert: %d %+v", code, ch.Segment)
	}
	inserted := ch.Segment
	var n transcript.Note
	c.do("POST", hp+"/notes", map[string]any{"at_ms": 100, "text": "原告提交证据两份"}, &n)
	if code := c.do("POST", fmt.Sprintf("%s/notes/%d/edit", hp, n.ID), map[string]any{"text": "三份", "reason": "记错"}, nil); code != 400 {
		t.Fatalf("note edit without a revision: %d", code)
	}
	if code := c.do("POST", fmt.Sprintf("%s/notes/%d/edit", hp, n.ID), map[string]any{"revision": 0, "text": "原告提交证据三份", "reason": "份数记错"}, &n); code != 200 || n.Revision != 1 {
		t.Fatalf("note edit: %d %+v", code, n)
	}
	var ae apiError
	if code := c.do("POST", fmt.Sprintf("%s/notes/%d/delete", hp, n.ID), map[string]any{"revision": 0, "reason": "误记"}, &ae); code != 409 || ae.Code != "conflict" {
		t.Fatalf("stale note strike: %d %+v", code, ae)
	}
	if code := c.do("POST", fmt.Sprintf("%s/notes/%d/delete", hp, n.ID), map[string]any{"revision": 1, "reason": "误记"}, &n); code != 200 || !n.Deleted {
		t.Fatalf("note strike: %d %+v", code, n)
	}
	if code := c.do("POST", hp+"/close", map[string]any{}, nil); code != 200 {
		t.Fatalf("close: %d", code)
	}
	c.do("POST", hp+"/finalize", map[string]any{}, nil)
	if code := r.login("zhangsan").do("POST", hp+"/sign", map[string]any{"password": testPassword}, nil); code != 200 {
		t.Fatalf("sign: %d", code)
	}
	doc := []byte("%PDF-1.4 申请书")
	var out struct {
		Correction transcript.Correction `json:"correction"`
	}
	body := map[string]any{"segment_id": inserted.ID, "text": "同意调解。", "reason": "当事人申请补正",
		"request": map[string]any{"party": "原告李四", "text": "漏记“调解”二字", "file_name": "申请书.pdf", "file_base64": base64.StdEncoding.EncodeToString(doc)}}
	if code := c.do("POST", hp+"/correct", body, &out); code != 200 || out.Correction.Request == nil || out.Correction.Request.FileBytes != int64(len(doc)) {
		t.Fatalf("correct on request: %d %+v", code, out.Correction)
	}
	code, b := r.login("viewer").raw("GET", fmt.Sprintf("%s/corrections/%d/file", hp, out.Correction.ID), nil, nil)
	if code != 200 || string(b) != string(doc) {
		t.Fatalf("request document: %d %q", code, b)
	}
	if code, _ := c.raw("GET", hp+"/corrections/999/file", nil, nil); code != 404 {
		t.Fatalf("missing document: %d", code)
	}
}

// TestDeadMicrophoneWithin10s: a seat that delivers only digital zeros alarms within 10 s of
// the connection, whoever else speaks; a stale level report turns into an alarm within 5 s.
func TestDeadMicrophoneWithin10s(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 0)
	c := r.login("zhaoliu")
	start := r.now.Now()
	codes := func() map[string]string { return c.alarmSeats("h1") }
	report := func() {
		now := r.now.Now()
		r.status.set(AgentHealth{Hearing: "h1", Connected: true, LevelsAt: now,
			Levels:   []SeatLevel{{Seat: "judge", RMSdBFS: -30, PeakdBFS: -12}, {Seat: "plaintiff", RMSdBFS: -120, PeakdBFS: -120}},
			Activity: []SeatActivity{{Seat: "judge", Since: start, LastSpeechAt: now, LastSignalAt: now}, {Seat: "plaintiff", Since: start}}})
	}
	var raisedAt time.Duration = -1
	for i := 0; i <= 10; i++ {
		report()
		if m := codes(); m["no_signal"] == "plaintiff" && raisedAt < 0 {
			raisedAt = time.Duration(i) * time.Second
		} else if m["no_signal"] == "judge" {
			t.Fatal("a live microphone reported as dead")
		}
		r.now.Add(time.Second)
	}
	if raisedAt < 0 || raisedAt > 10*time.Second {
		t.Fatalf("no_signal raised after %v", raisedAt)
	}
	r.now.Add(5 * time.Second) // no report since
	if _, ok := codes()["levels_stale"]; !ok {
		t.Fatal("a level report 5 s old is not stale")
	}
}
