// Package atomicfile replaces small files so that a reader, or the file system after a crash,
// sees either the old content or the new one, never a torn file: the bytes go to a temporary
// file in the same directory, which is fsynced, renamed over the target, and then the directory
// is fsynced so that the rename itself is durable.
//
// The temporary file is named ".tmp-<base>-<random>", so that backups (which skip ".tmp-"
// names) never copy one, and two writers of the same path never share a temporary file. When
// the write fails before the rename the temporary file is removed and the target is untouched.
package atomicfile

import "encoding/json"
import "errors"
import "io/fs"
import "math/rand/v2"
import "os"
import "path/filepath"
import "strconv"

// TempPrefix starts the name of every temporary file this package makes.
const TempPrefix = ".tmp-"

// WriteFile writes data to path atomically and durably. perm is the mode of a new file, before
// the umask, as for os.WriteFile; the file replaced keeps nothing of its old mode.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, tmp, err := createTemp(dir, filepath.Base(path), perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}

// WriteJSON writes v as indented JSON (two spaces) with a final newline through WriteFile.
func WriteJSON(path string, v any, perm os.FileMode) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, append(b, '\n'), perm)
}

// SyncDir fsyncs a directory, so that a new name, a rename or a removal in it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// createTemp makes a new file in dir with a name no other file has (O_EXCL), like
// os.CreateTemp but with the caller's mode.
func createTemp(dir, base string, perm os.FileMode) (*os.File, string, error) {
	for range 1000 {
		name := filepath.Join(dir, TempPrefix+base+"-"+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, name, err
	}
	return nil, "", &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, TempPrefix+base+"-*"), Err: fs.ErrExist}
}
