package pool

import "github.com/prometheus/client_golang/prometheus"

import "github.com/courtscribe/courtscribe/asr"

// Register adds the pipeline's metrics to reg: courtscribe_asr_queue_depth,
// courtscribe_asr_busy_workers and courtscribe_asr_workers (gauges),
// courtscribe_asr_submitted_total and courtscribe_asr_results_total{status} (counters).
func (p *Pipeline) Register(reg prometheus.Registerer) error {
	cs := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "courtscribe_asr_queue_depth", Help: "Finished utterances waiting for a transcription worker."},
			func() float64 { return float64(len(p.finals)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "courtscribe_asr_busy_workers", Help: "Transcription workers running an engine call."},
			func() float64 { return float64(p.busy.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "courtscribe_asr_workers", Help: "Transcription workers."},
			func() float64 { return float64(p.cfg.Workers) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "courtscribe_asr_submitted_total", Help: "Utterances submitted for transcription."},
			func() float64 { return float64(p.submitted.Load()) }),
	}
	for status, v := range map[asr.Status]func() int64{
		asr.StatusFinal: p.final.Load, asr.StatusSuspect: p.suspect.Load, asr.StatusEmpty: p.empty.Load,
		asr.StatusPending: p.pend.Load, asr.StatusPartial: p.parts.Load,
	} {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "courtscribe_asr_results_total",
			Help: "Transcription results emitted, by status.", ConstLabels: prometheus.Labels{"status": string(status)}},
			func() float64 { return float64(v()) }))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
