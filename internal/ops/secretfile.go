package ops

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// WriteSecretFile writes data (a client config, a preshared key) to path
// readable by its owner only. It never trusts what is there: the data
// goes into a new file created with O_EXCL|O_NOFOLLOW in the target's
// directory, which is then renamed over path, so a file or symlink
// planted at path by someone else is replaced, not written through, and
// no descriptor opened on it earlier ever sees the secret. A directory
// that others may write to without the sticky bit is refused: anyone
// could swap the file after the rename.
func WriteSecretFile(path string, data []byte) error {
	if err := checkSecretTarget(path); err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, f, err := createExclusive(dir, base)
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
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
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	return nil
}

// createExclusive makes a new 0600 file next to base that did not exist
// before (O_EXCL) and is not a symlink (O_NOFOLLOW).
func createExclusive(dir, base string) (string, *os.File, error) {
	for i := 0; ; i++ {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", nil, err
		}
		tmp := filepath.Join(dir, "."+base+".wgowrt-"+hex.EncodeToString(r[:]))
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0600)
		if err == nil || !errors.Is(err, os.ErrExist) || i == 10 {
			return tmp, f, unwrapPath(err)
		}
	}
}

// checkSecretTarget refuses, before anything is committed, a secret file
// that could not be written safely: a missing directory, one others may
// write to without the sticky bit, or a directory at path itself.
// An empty path is no file.
func checkSecretTarget(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	}
	if m := st.Mode(); m.Perm()&0002 != 0 && m&os.ModeSticky == 0 {
		return fmt.Errorf("refusing to write a secret into %s: anyone may replace files there (world-writable without the sticky bit); choose another directory", dir)
	}
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot write %s: it is a directory", path)
	}
	return nil
}

// unwrapPath drops the path os errors repeat ("open /x: permission
// denied" -> "permission denied"); callers name the file once.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
