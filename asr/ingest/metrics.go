package ingest

import "github.com/prometheus/client_golang/prometheus"
import "github.com/prometheus/client_golang/prometheus/collectors"

// metrics are the ingest's Prometheus collectors on its own registry.
type metrics struct {
	reg           *prometheus.Registry
	connected     prometheus.Gauge
	frames        *prometheus.CounterVec
	duplicates    prometheus.Counter
	ackLatency    prometheus.Histogram
	archivedBytes prometheus.Counter
	gaps          prometheus.Counter
	gapSamples    prometheus.Counter
	errors        *prometheus.CounterVec
	alarms        *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "courtscribe_ingest_agents_connected",
			Help: "Agent connections past the hello."}),
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courtscribe_ingest_frames_total",
			Help: "Frames received, by kind (rate() gives frames per second)."}, []string{"kind"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_duplicate_frames_total",
			Help: "Frames already stored, acknowledged again without writing."}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "courtscribe_ingest_ack_latency_seconds",
			Help:    "From frame receipt to durable (fsynced) and acknowledged.",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5}}),
		archivedBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_archived_bytes_total",
			Help: "PCM bytes written durably to seat files (gaps included as zeros)."}),
		gaps: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_gaps_total",
			Help: "Gap records archived."}),
		gapSamples: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_gap_samples_total",
			Help: "Samples archived as gaps (per seat)."}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courtscribe_ingest_errors_total",
			Help: "Connections closed with a protocol error, by wire code."}, []string{"code"}),
		alarms: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courtscribe_ingest_agent_alarms_total",
			Help: "Alarms raised by agents, by code."}, []string{"code"}),
	}
	m.reg.MustRegister(m.connected, m.frames, m.duplicates, m.ackLatency, m.archivedBytes, m.gaps, m.gapSamples, m.errors, m.alarms,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
