package server

import "context"
import "log/slog"
import "sync"
import "time"

import "github.com/prometheus/client_golang/prometheus"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/api"
import "github.com/courtscribe/courtscribe/transcript/backup"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// The server's integrity side: an optional background scrub (idle I/O priority, throttled),
// and the last scrub's report (DATA/scrub.json, written by the background scrub or by
// `courtscribe scrub` from a timer) turned into health-panel alarms and /metrics.

// ScrubConfig is --scrub-interval, --scrub-rate-mb and --scrub-backup.
type ScrubConfig struct {
	Interval time.Duration // 0: no background scrub
	RateMB   float64       // MiB/s of audio read at most
	Backup   string        // backup destination whose latest snapshot the record must still cover
}

// DefaultScrubConfig is no background scrub, 8 MiB/s when one is turned on.
func DefaultScrubConfig() ScrubConfig { return ScrubConfig{RateMB: 8} }

// integrityMonitor serves the last scrub report, re-reading DATA/scrub.json when it changes.
type integrityMonitor struct {
	data  string
	log   *slog.Logger
	mu    sync.Mutex
	mtime time.Time
	check time.Time
	rep   *backup.Report
}

func (m *integrityMonitor) report() *backup.Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if now.Sub(m.check) < time.Second && m.rep != nil {
		return m.rep
	}
	m.check = now
	if mt := backup.ReportModTime(m.data); !mt.Equal(m.mtime) {
		rep, err := backup.ReadReport(m.data)
		if err != nil {
			m.log.Warn("integrity: unreadable scrub report", "err", err)
			rep = &backup.Report{Findings: []backup.Finding{{Kind: "report", Message: "the scrub report cannot be read: " + err.Error()}}}
		}
		m.rep, m.mtime = rep, mt
	}
	return m.rep
}

func (m *integrityMonitor) set(rep *backup.Report) {
	m.mu.Lock()
	m.rep, m.mtime, m.check = rep, backup.ReportModTime(m.data), time.Now()
	m.mu.Unlock()
}

// alarms returns the integrity alarms of one hearing.
func (m *integrityMonitor) alarms(id string) []api.Alarm {
	rep := m.report()
	if rep == nil {
		return nil
	}
	var out []api.Alarm
	for _, f := range rep.Findings {
		if f.Hearing == id {
			out = append(out, api.Alarm{At: rep.Finished, Code: "integrity", Message: f.String()})
		}
	}
	return out
}

var (
	descMismatches = prometheus.NewDesc("courtscribe_integrity_mismatches", "Mismatches found by the last scrub (archived audio vs manifest, record vs audit chain, record vs last backup).", nil, nil)
	descMismatch   = prometheus.NewDesc("courtscribe_integrity_mismatch", "One mismatch of the last scrub, naming the hearing and the file.", []string{"hearing", "file", "kind"}, nil)
	descScrubAt    = prometheus.NewDesc("courtscribe_scrub_last_finished_timestamp_seconds", "When the last scrub finished (0: never).", nil, nil)
	descScrubFiles = prometheus.NewDesc("courtscribe_scrub_files_checked", "Audio files the last scrub re-hashed.", nil, nil)
)

func (m *integrityMonitor) Describe(ch chan<- *prometheus.Desc) {
	ch <- descMismatches
	ch <- descMismatch
	ch <- descScrubAt
	ch <- descScrubFiles
}

func (m *integrityMonitor) Collect(ch chan<- prometheus.Metric) {
	rep := m.report()
	if rep == nil {
		rep = &backup.Report{}
	}
	ch <- prometheus.MustNewConstMetric(descMismatches, prometheus.GaugeValue, float64(len(rep.Findings)))
	seen := map[[3]string]bool{}
	for _, f := range rep.Findings {
		k := [3]string{f.Hearing, f.File, f.Kind}
		if seen[k] {
			continue
		}
		seen[k] = true
		ch <- prometheus.MustNewConstMetric(descMismatch, prometheus.GaugeValue, 1, f.Hearing, f.File, f.Kind)
	}
	at := 0.0
	if !rep.Finished.IsZero() {
		at = float64(rep.Finished.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(descScrubAt, prometheus.GaugeValue, at)
	ch <- prometheus.MustNewConstMetric(descScrubFiles, prometheus.GaugeValue, float64(rep.Files))
}

// startIntegrity registers the integrity metrics, starts the background scrub when
// --scrub-interval is set, and returns the health panel's alarm source.
func (r *Record) startIntegrity(ctx context.Context, reg prometheus.Registerer, sc ScrubConfig, run func(context.Context, string, func(context.Context) error)) api.IntegrityFunc {
	m := &integrityMonitor{data: r.data, log: r.log.With("part", "integrity")}
	if err := reg.Register(m); err != nil {
		r.log.Warn("integrity metrics not registered", "err", err)
	}
	if sc.Interval > 0 {
		run(ctx, "scrub", func(ctx context.Context) error {
			t := time.NewTicker(sc.Interval)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
				rep, err := backup.Scrub(ctx, backup.ScrubConfig{DataDir: r.data, Record: r.store, Backup: sc.Backup,
					RateBytes: int64(sc.RateMB * (1 << 20)), IdleIO: true, Logger: m.log})
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					m.log.Error("scrub failed", "err", err)
					continue
				}
				if err := backup.WriteReport(r.data, rep); err != nil {
					m.log.Error("scrub: writing the report", "err", err)
				}
				m.set(rep)
				m.log.Info("scrub done", "hearings", rep.Hearings, "files", rep.Files, "mismatches", len(rep.Findings))
			}
		})
	}
	return m.alarms
}

// deleteHearing is the API's admin deletion: record and archive.
func (r *Record) deleteHearing(ctx context.Context, actor, id, reason string, signed bool) (*transcript.HearingDeletion, error) {
	return backup.DeleteHearing(ctx, r.store, r.data, actor, id, reason, sqlite.DeleteOptions{Signed: signed})
}
