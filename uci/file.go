package uci

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Hooks for fault-injection tests: beforeRename is called after the
// temporary file is written and synced, before it replaces the target;
// testStep before each step that changes a file (create, write, sync,
// chmod, rename), so a test can kill the process at any of them.
var (
	beforeRename func(tmp string) error
	testStep     func(op, path string)
)

// SetFaultHook installs f to be called before each step of a file
// replacement or delta edit (op is create, write, sync, chmod, rename or
// syncdir), for crash-injection tests; nil removes it. Not safe to call
// while files are being written.
func SetFaultHook(f func(op, path string)) { testStep = f }

func step(op, path string) {
	if testStep != nil {
		testStep(op, path)
	}
}

// WriteFileAtomic replaces path with data the way uci commit does: a
// temporary file in the same directory, the target locked exclusively,
// data synced, the old file's mode kept (mode for a new file), then a
// rename. On any error the old file is untouched and the temporary file
// removed.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	lock, err := lockTarget(path, mode)
	if err != nil {
		return err
	}
	defer lock.Close()
	return replaceLocked(path, data)
}

// lockTarget opens path (creating it with mode) and takes the exclusive
// lock. A committer that waited for the lock may hold a file another one
// has since replaced by rename; it then retries on the new file, so no
// update is lost (libuci itself re-reads the stale file in that case).
func lockTarget(path string, mode os.FileMode) (*os.File, error) {
	return lockFile(path, os.O_RDWR|os.O_CREATE, mode)
}

// LockFile opens path (creating it with mode when flag has os.O_CREATE)
// and takes its exclusive lock the way uci commit does, retrying when the
// file was replaced while waiting. Without os.O_CREATE a missing file is
// an error satisfying os.IsNotExist. Closing the file releases the lock.
func LockFile(path string, flag int, mode os.FileMode) (*os.File, error) {
	f, err := lockFile(path, flag, mode)
	if err != nil {
		if e, ok := err.(*Error); ok && os.IsNotExist(e.Err) {
			return nil, e.Err
		}
		return nil, err
	}
	return f, nil
}

func lockFile(path string, flag int, mode os.FileMode) (*os.File, error) {
	for {
		f, err := os.OpenFile(path, flag, mode)
		if err != nil {
			return nil, &Error{Code: ErrIO, File: path, Err: err}
		}
		if err := flock(f, syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, &Error{Code: ErrIO, File: path, Err: err}
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
		if err2 != nil && !os.IsNotExist(err2) {
			return nil, &Error{Code: ErrIO, File: path, Err: err2}
		}
	}
}

// replaceLocked does the temp-write-sync-rename part; the caller holds the
// exclusive lock on path.
func replaceLocked(path string, data []byte) (err error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return &Error{Code: ErrIO, File: path, Err: err}
	}
	st, err := os.Stat(real)
	if err != nil {
		return &Error{Code: ErrIO, File: path, Err: err}
	}
	dir, base := filepath.Split(real)
	step("create", real)
	tmp, err := os.CreateTemp(dir, "."+base+".uci-")
	if err != nil {
		return &Error{Code: ErrIO, File: path, Err: err}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := flock(tmp, syscall.LOCK_EX); err != nil {
		return &Error{Code: ErrIO, File: tmp.Name(), Err: err}
	}
	step("write", tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		return &Error{Code: ErrIO, File: tmp.Name(), Err: err}
	}
	step("sync", tmp.Name())
	if err := tmp.Sync(); err != nil {
		return &Error{Code: ErrIO, File: tmp.Name(), Err: err}
	}
	step("chmod", tmp.Name())
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		return &Error{Code: ErrIO, File: tmp.Name(), Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &Error{Code: ErrIO, File: tmp.Name(), Err: err}
	}
	if beforeRename != nil {
		if err := beforeRename(tmp.Name()); err != nil {
			return &Error{Code: ErrIO, File: path, Err: err}
		}
	}
	step("rename", real)
	if err := os.Rename(tmp.Name(), real); err != nil {
		return &Error{Code: ErrIO, File: path, Err: err}
	}
	step("syncdir", dir)
	syncDir(dir)
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			if err == syscall.ENOSYS {
				return nil
			}
			return err
		}
	}
}

// ReadLocked reads a regular file under a shared lock, as libuci reads
// config and delta files.
func ReadLocked(path string) ([]byte, error) { return readLocked(path) }

// readLocked reads a regular file under a shared lock.
func readLocked(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		if err == nil {
			err = fmt.Errorf("not a regular file")
		}
		return nil, &Error{Code: ErrNotFound, File: path, Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Code: ErrIO, File: path, Err: err}
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_SH); err != nil {
		return nil, &Error{Code: ErrIO, File: path, Err: err}
	}
	return readAll(f, path)
}

func readAll(f *os.File, path string) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, &Error{Code: ErrIO, File: path, Err: err}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, &Error{Code: ErrIO, File: path, Err: err}
	}
	return b, nil
}
