package backup

import "context"
import "fmt"
import "io"
import "math/rand/v2"
import "os"
import "path/filepath"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/atomicfile"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// TestBackupCourtDayBench is the backup benchmark (scripts/bench-backup.sh): a court day of
// COURTSCRIBE_BENCH_COURTROOMS (12) courtrooms × 6 seats × COURTSCRIBE_BENCH_MINUTES of closed,
// generated audio per courtroom, with a record of 300 segments per hearing. Per run: the first
// backup into an empty destination, an incremental one right after (nothing changed but the
// record), and the baseline — the same bytes copied and fsynced file by file (what `cp` and
// `sync` would do, without hashing). It prints one BENCH line per measure.
func TestBackupCourtDayBench(t *testing.T) {
	runs := testrig.EnvInt("COURTSCRIBE_BENCH_BACKUP", 0)
	if runs == 0 {
		t.Skip("set COURTSCRIBE_BENCH_BACKUP=RUNS (scripts/bench-backup.sh)")
	}
	minutes := testrig.EnvInt("COURTSCRIBE_BENCH_MINUTES", 30)
	rooms := testrig.EnvInt("COURTSCRIBE_BENCH_COURTROOMS", 12)
	base := os.Getenv("COURTSCRIBE_BENCH_DIR")
	if base == "" {
		base = t.TempDir()
	}
	ctx := context.Background()
	data := filepath.Join(base, "data")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	start := time.Now()
	audioBytes := genCourtDay(t, data, rooms, minutes)
	t.Logf("generated %d courtrooms × 6 seats × %d min: %s in %s", rooms, minutes, Size(audioBytes), time.Since(start).Round(time.Second))
	for run := 1; run <= runs; run++ {
		dest := filepath.Join(base, "dest")
		os.RemoveAll(dest)
		dropCaches()
		t0 := time.Now()
		m, err := Backup(ctx, Config{DataDir: data, Dest: dest, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		first := time.Since(t0)
		t0 = time.Now()
		m2, err := Backup(ctx, Config{DataDir: data, Dest: dest, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		incr := time.Since(t0)
		os.RemoveAll(dest)
		dropCaches()
		cp := filepath.Join(base, "cp")
		os.RemoveAll(cp)
		t0 = time.Now()
		cpBytes := copyTree(t, data, cp)
		baseline := time.Since(t0)
		os.RemoveAll(cp)
		fmt.Printf("BENCH run=%d rooms=%d minutes=%d audio_bytes=%d db_bytes=%d first_s=%.3f first_written=%d incr_s=%.3f incr_written=%d cp_s=%.3f cp_bytes=%d\n",
			run, rooms, minutes, audioBytes, m.Database.Bytes, first.Seconds(), m.NewBytes, incr.Seconds(), m2.NewBytes, baseline.Seconds(), cpBytes)
	}
}

// dropCaches asks the kernel to drop clean page cache (root only), so each run reads from
// disk as a nightly backup would; where not permitted the runs read from a warm cache.
func dropCaches() {
	execSync()
	os.WriteFile("/proc/sys/vm/drop_caches", []byte("1\n"), 0o200)
}

func execSync() {
	if f, err := os.Open("/"); err == nil {
		f.Sync()
		f.Close()
	}
}

// genCourtDay writes closed hearings: per courtroom one hearing with 6 seat WAVs of the given
// length (noise, distinct per file), their audio manifests, and a record of 300 segments.
func genCourtDay(t *testing.T, data string, rooms, minutes int) int64 {
	t.Helper()
	ctx := context.Background()
	s := sqlitetest.Open(t, data, sqlite.Options{Logger: quiet, Argon2: &transcript.TestArgon2})
	if _, err := s.CreateUser(ctx, "admin", "clerk1", transcript.RoleClerk, "pw-clerk1"); err != nil {
		t.Fatal(err)
	}
	block := make([]int16, 16000) // one second of noise, re-stamped per file and second
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range block {
		block[i] = int16(rng.IntN(20000) - 10000)
	}
	seats := []string{"judge", "clerk", "plaintiff", "defendant", "witness", "counsel"}
	var total int64
	for room := 0; room < rooms; room++ {
		id := fmt.Sprintf("day-room%02d", room+1)
		h := transcript.Hearing{ID: id, CaseNumber: "case " + id, Court: "Court A", Courtroom: fmt.Sprintf("room %d", room+1), Language: "zh", Clerk: "clerk1"}
		for _, seat := range seats {
			h.Seats = append(h.Seats, transcript.Seat{Seat: seat, Role: seat})
		}
		if _, err := s.CreateHearing(ctx, "admin", h); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Start(ctx, "clerk1", id); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 300; i++ {
			at := int64(i) * int64(minutes) * 60000 / 300
			seg, err := s.AppendSegment(ctx, "diarizer", id, transcript.NewSegment{Seat: seats[i%6], StartMS: at, EndMS: at + 5000})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetEngineResult(ctx, "engine:bench", seg.ID, transcript.EngineResult{Text: "审判长：现在开庭。原告陈述诉讼请求和事实理由。", Final: true, Engine: "bench"}); err != nil {
				t.Fatal(err)
			}
		}
		dir := archive.HearingDir(data, id)
		os.MkdirAll(filepath.Join(dir, archive.AudioDir), 0o755)
		man := archive.Manifest{Hearing: id, SampleRate: wire.SampleRate, Gaps: []archive.GapRecord{}}
		for si, seat := range seats {
			p := filepath.Join(dir, archive.AudioDir, seat+".wav")
			w, err := wavfile.Create(p, wire.SampleRate)
			if err != nil {
				t.Fatal(err)
			}
			for sec := 0; sec < minutes*60; sec++ {
				block[0], block[1], block[2] = int16(room*6+si), int16(sec), int16(sec>>16) // distinct content per file and second
				if err := w.Write(block); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			sum, n, err := hashFile(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			total += n
			man.Files = append(man.Files, archive.ManifestFileEntry{Seat: seat, Path: "audio/" + seat + ".wav", SHA256: sum, Bytes: n,
				Samples: int64(minutes) * 60 * 16000, DurationSeconds: float64(minutes * 60)})
		}
		if err := atomicfile.WriteJSON(filepath.Join(dir, archive.ManifestFile), man, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CloseHearing(ctx, "clerk1", id, nil); err != nil {
			t.Fatal(err)
		}
	}
	return total
}

// copyTree copies every regular file under src to dst and fsyncs it: the baseline.
func copyTree(t *testing.T, src, dst string) int64 {
	t.Helper()
	var total int64
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.Create(out)
		if err != nil {
			return err
		}
		n, err := io.CopyBuffer(o, in, make([]byte, 1<<20))
		if err == nil {
			err = o.Sync()
		}
		o.Close()
		total += n
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}
