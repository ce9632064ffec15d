package pool

import "testing"

import "github.com/prometheus/client_golang/prometheus"

import "github.com/courtscribe/courtscribe/asr"

func TestMetrics(t *testing.T) {
	eng := &fakeEngine{fn: echo}
	p, c, stop := start(t, eng, DefaultConfig())
	reg := prometheus.NewRegistry()
	if err := p.Register(reg); err != nil {
		t.Fatal(err)
	}
	_ = p.Submit(utt("judge", 0, 2), speech(2))
	_ = p.Submit(utt("judge", 3, 0.1), speech(0.1)) // blip: empty
	c.waitFor(t, 2)
	stop()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "/" + l.GetValue()
			}
			if m.Counter != nil {
				got[key] = m.Counter.GetValue()
			} else {
				got[key] = m.Gauge.GetValue()
			}
		}
	}
	want := map[string]float64{
		"courtscribe_asr_submitted_total": 2, "courtscribe_asr_results_total/" + string(asr.StatusFinal): 1,
		"courtscribe_asr_results_total/" + string(asr.StatusEmpty): 1, "courtscribe_asr_results_total/" + string(asr.StatusPending): 0,
		"courtscribe_asr_queue_depth": 0, "courtscribe_asr_busy_workers": 0, "courtscribe_asr_workers": 1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if err := p.Register(reg); err == nil {
		t.Error("registering twice succeeded")
	}
}
