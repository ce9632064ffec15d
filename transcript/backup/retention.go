package backup

import "context"
import "fmt"
import "log/slog"
import "os"
import "path/filepath"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/internal/atomicfile"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// Deleter is the record's side of deleting a hearing (transcript/sqlite.Store).
type Deleter interface {
	ListHearings(ctx context.Context, opt transcript.ListHearingsOptions) ([]transcript.Hearing, error)
	DeleteHearing(ctx context.Context, actor, id, reason string, opt sqlite.DeleteOptions) (*transcript.HearingDeletion, error)
}

// DeleteHearing deletes a hearing from the record (the deletion, with the hearing's chain
// head, goes on the chain of administration) and then its archive directory. The directory is
// first renamed aside, so a crash leaves either the whole archive or none of it in place.
func DeleteHearing(ctx context.Context, rec Deleter, dataDir, actor, id, reason string, opt sqlite.DeleteOptions) (*transcript.HearingDeletion, error) {
	d, err := rec.DeleteHearing(ctx, actor, id, reason, opt)
	if err != nil {
		return nil, err
	}
	if err := RemoveArchive(dataDir, id); err != nil {
		return d, fmt.Errorf("hearing %s deleted from the record, but its archive was not removed: %w", id, err)
	}
	return d, nil
}

// RemoveArchive removes DATA/hearings/ID (renamed aside first, then removed).
func RemoveArchive(dataDir, id string) error {
	if id == "" || !validRel(id) || filepath.Base(id) != id || id[0] == '.' {
		return fmt.Errorf("hearing id %q", id)
	}
	dir := archive.HearingDir(dataDir, id)
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	aside := filepath.Join(dataDir, archive.HearingsDir, fmt.Sprintf(".deleted-%s-%d", id, time.Now().UnixNano()))
	if err := os.Rename(dir, aside); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	return os.RemoveAll(aside)
}

// RetentionResult lists what ApplyRetention deleted (or, in a dry run, would delete).
type RetentionResult struct {
	Due     []transcript.Hearing
	Deleted []transcript.HearingDeletion
}

// ApplyRetention deletes closed hearings whose court's keep period has passed (see
// transcript.RetentionPolicy.Due: never a finalized or signed record). With apply false it
// only lists them. Each deletion is recorded on the chain of administration as made by actor.
func ApplyRetention(ctx context.Context, rec Deleter, dataDir string, p transcript.RetentionPolicy, now time.Time, actor string, apply bool, log *slog.Logger) (*RetentionResult, error) {
	if log == nil {
		log = slog.Default()
	}
	hs, err := rec.ListHearings(ctx, transcript.ListHearingsOptions{Status: transcript.StatusClosed})
	if err != nil {
		return nil, err
	}
	res := &RetentionResult{}
	for i := range hs {
		h := &hs[i]
		if !p.Due(h, now) {
			continue
		}
		res.Due = append(res.Due, *h)
		if !apply {
			continue
		}
		reason := fmt.Sprintf("retention: court %q keeps closed hearings for %s; closed %s", h.Court, p.KeepFor(h.Court), h.ClosedAt.Format(time.RFC3339))
		d, err := DeleteHearing(ctx, rec, dataDir, actor, h.ID, reason, sqlite.DeleteOptions{Retention: true})
		if err != nil {
			return res, err
		}
		log.Info("retention: hearing deleted", "hearing", h.ID, "court", h.Court, "closed", h.ClosedAt)
		res.Deleted = append(res.Deleted, *d)
	}
	return res, nil
}
