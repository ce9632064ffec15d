package backup

import "bytes"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "errors"
import "fmt"
import "hash"
import "io"
import "os"
import "path/filepath"
import "strings"
import "syscall"

// readJSONStrict decodes one JSON object, refusing unknown fields and trailing data.
func readJSONStrict(path string, v any, limit int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: trailing data after the JSON object", path)
	}
	return nil
}

// hashingWriter writes to w and hashes what it writes.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// sparseWriter writes to a new file, leaving holes for long runs of zeros: the gaps in a seat
// file (holes in the archive, issue 11) stay holes in its backup copy and in a restored file,
// so a 40 h seat with a night's recess does not take its apparent size on the backup disk.
// The file's bytes are the same as if the zeros had been written.
type sparseWriter struct {
	f   *os.File
	off int64 // bytes written or skipped
	end int64 // bytes really written (the file's size before finish)
}

// sparseBlock is the granularity of holes: a block of zeros this long is skipped.
const sparseBlock = 64 << 10

var zeroBlock [sparseBlock]byte

func (w *sparseWriter) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		q := p[done:min(len(p), done+sparseBlock)]
		if len(q) == sparseBlock && bytes.Equal(q, zeroBlock[:]) {
			w.off += int64(len(q))
			done += len(q)
			continue
		}
		n, err := w.f.WriteAt(q, w.off)
		w.off += int64(n)
		w.end = w.off
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// finish extends the file over a hole at its end.
func (w *sparseWriter) finish() error {
	if w.off > w.end {
		return w.f.Truncate(w.off)
	}
	return nil
}

// copyToTemp copies r into a new synced temporary file in dir and returns its name, SHA-256
// and size. The caller renames or removes it.
func copyToTemp(dir string, r io.Reader, mode os.FileMode) (tmp, sum string, n int64, err error) {
	f, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return "", "", 0, err
	}
	tmp = f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	sw := &sparseWriter{f: f}
	hw := &hashingWriter{w: sw, h: sha256.New()}
	buf := make([]byte, 1<<20)
	// struct{io.Reader} hides an *os.File's WriteTo, which would copy in 32 KiB pieces.
	if _, err = io.CopyBuffer(hw, struct{ io.Reader }{r}, buf); err != nil {
		return "", "", 0, err
	}
	if err = sw.finish(); err != nil {
		return "", "", 0, err
	}
	if err = f.Sync(); err != nil {
		return "", "", 0, err
	}
	if err = f.Chmod(mode); err != nil {
		return "", "", 0, err
	}
	if err = f.Close(); err != nil {
		return "", "", 0, err
	}
	return tmp, hex.EncodeToString(hw.h.Sum(nil)), hw.n, nil
}

// hashFile returns the SHA-256 and size of a file.
func hashFile(path string, r func(io.Reader) io.Reader) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	var src io.Reader = f
	if r != nil {
		src = r(f)
	}
	n, err := io.CopyBuffer(h, src, make([]byte, 1<<20))
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// realPath resolves symlinks of the longest existing prefix of an absolute path.
func realPath(p string) (string, error) {
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest), nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// inside reports whether path is dir or below it (both cleaned, absolute).
func inside(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// statFree returns the bytes available to an unprivileged writer on dir's file system.
func statFree(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// lockDir takes an exclusive lock on dir/.lock, or fails at once when another process holds it.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is locked by another backup or restore (%w)", dir, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) // closing the file releases the lock as well
		f.Close()
	}, nil
}

// validRel reports whether a manifest path is a clean relative path that stays inside the
// directory it is joined to.
func validRel(p string) bool {
	if p == "" || strings.Contains(p, "\\") || strings.HasPrefix(p, "/") {
		return false
	}
	c := filepath.ToSlash(filepath.Clean(filepath.FromSlash(p)))
	return c == p && c != "." && c != ".." && !strings.HasPrefix(c, "../")
}
