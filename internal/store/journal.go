package store

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wgowrt/wgowrt/uci"
)

// A multi-file write is made crash-safe by an intent journal, the way a
// database makes a transaction atomic:
//
//  1. every target file is locked (libuci's per-file flock, in path order),
//     re-read, and our edits (after the folded /tmp/.uci changes, with
//     --commit-pending) replayed onto it; the result goes to a temporary
//     file next to the target (.<name>.wgowrt-<n>), synced, with the
//     target's mode (0600 for a new file), and the target gets a second
//     name, a hard link that keeps its old content (same pattern);
//  2. the journal (/etc/config/.wgowrt-journal: which temporary file
//     replaces which target, the backup, the checksums of the old and new
//     content, and the edits) is written to a temporary file, synced and
//     hard-linked into place;
//  3. the temporary files are renamed over their targets, folded delta
//     lines trimmed from /tmp/.uci, the journal removed, then the backups.
//
// Killed before step 2, nothing changed and Recover deletes the temporary
// files. Killed after, Recover rolls the write back: each target holding
// the new content gets its backup again (and the folded lines go back to
// /tmp/.uci), so the configuration is as before the command, which had not
// delivered anything yet (a new peer's private key, for one); the rerun
// does it whole. Only when someone changed a target since the crash (a
// LuCI apply, a uci commit) can it not be undone; the write is then rolled
// forward instead: an untouched target gets its temporary file, a changed
// one our edits replayed onto it, as uci commit would. An error during
// step 3 rolls back at once. SIGINT, SIGHUP and SIGTERM wait until step 3
// is over. No file outside the config, override and delta directories is
// used.

const journalName = ".wgowrt-journal"

// Temporary files: ours are recognised by exact name, never by a prefix
// alone. (Matched by hand: regexp would cost the binary ~150 KB.)

// tmpConfigPackage is the package a config temp file is named after
// (".PACKAGE.uci-DIGITS" or ".PACKAGE.wgowrt-DIGITS", PACKAGE of
// A-Z a-z 0-9 _ -), "" for any other name.
func tmpConfigPackage(name string) string {
	rest, ok := strings.CutPrefix(name, ".")
	i := strings.LastIndexByte(rest, '.')
	if !ok || i <= 0 {
		return ""
	}
	pkg, tail := rest[:i], rest[i+1:]
	if !digitsAfter(tail, "uci-") && !digitsAfter(tail, "wgowrt-") {
		return ""
	}
	for _, c := range pkg {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return ""
		}
	}
	return pkg
}

// isTmpJournal: a journal being written (".wgowrt-journal-DIGITS").
func isTmpJournal(name string) bool { return digitsAfter(name, ".wgowrt-journal-") }

// isTmpStaging: a per-package staging directory older versions left in
// $TMPDIR when killed during a commit ("wgowrt-uci-DIGITS").
func isTmpStaging(name string) bool { return digitsAfter(name, "wgowrt-uci-") }

// digitsAfter says whether s is prefix and then one or more ASCII digits.
func digitsAfter(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	return ok && rest != "" && strings.Trim(rest, "0123456789") == ""
}

type journal struct {
	Version int           `json:"version"`
	Files   []journalFile `json:"files"`
}

// journalFile is one target of a write.
type journalFile struct {
	Package  string `json:"package"`
	Override bool   `json:"override,omitempty"`
	// Tmp is the base name of the temporary file, Backup that of the old
	// file's second name, both in the target's directory.
	Tmp    string `json:"tmp"`
	Backup string `json:"backup"`
	// Old and New are the sha256 of the target's content before and after.
	Old []byte `json:"old_sha256"`
	New []byte `json:"new_sha256"`
	// Pending are the /tmp/.uci delta lines folded in (--commit-pending),
	// Edits ours; together, what is replayed onto a target changed since.
	Pending []byte `json:"pending,omitempty"`
	Edits   []byte `json:"edits"`
}

// fileWrite is a target being written.
type fileWrite struct {
	journalFile
	target string // the path locked (in ConfDir or OverrideDir)
	real   string // target with symlinks resolved
	lock   *os.File
}

func (s *Store) journalPath() string { return filepath.Join(s.ConfDir, journalName) }

func (s *Store) targetPath(pkg string, override bool) string {
	if override {
		return filepath.Join(s.OverrideDir, pkg)
	}
	return filepath.Join(s.ConfDir, pkg)
}

// prepare locks the target of each package and writes its new content to
// a temporary file (step 1). On error everything is undone.
func (s *Store) prepare(pkgs []*uci.Package, commitPending bool) (fws []*fileWrite, err error) {
	defer func() {
		if err != nil {
			discard(fws)
			fws = nil
		}
	}()
	for _, p := range pkgs {
		target := s.ctx().Path(p.Name)
		fw := &fileWrite{journalFile: journalFile{Package: p.Name, Override: filepath.Dir(target) == filepath.Clean(s.OverrideDir)}, target: target}
		for _, d := range p.Unsaved() {
			fw.Edits = append(fw.Edits, d.DeltaLine(p.Name)...)
		}
		if commitPending && len(Pending(p)) > 0 {
			data, rerr := uci.ReadLocked(s.ctx().DeltaPath(p.Name))
			if rerr != nil && uci.CodeOf(rerr) != uci.ErrNotFound {
				return fws, fmt.Errorf("reading %s: %v", s.ctx().DeltaPath(p.Name), rerr)
			}
			fw.Pending = data
		}
		fws = append(fws, fw)
	}
	sort.Slice(fws, func(i, j int) bool { return fws[i].target < fws[j].target })
	for _, fw := range fws {
		if fw.lock, err = uci.LockFile(fw.target, os.O_RDWR|os.O_CREATE, 0600); err != nil {
			return fws, fmt.Errorf("writing %s: %v", fw.target, err)
		}
		old, err := readFrom(fw.lock)
		if err != nil {
			return fws, fmt.Errorf("reading %s: %v", fw.target, err)
		}
		fw.Old = sum(old)
		data, err := replay(fw.Package, old, fw.Pending, fw.Edits)
		if err != nil {
			return fws, fmt.Errorf("reading %s: %v", fw.target, err)
		}
		if fw.real, err = filepath.EvalSymlinks(fw.target); err != nil {
			return fws, fmt.Errorf("writing %s: %v", fw.target, err)
		}
		st, err := fw.lock.Stat()
		if err != nil {
			return fws, fmt.Errorf("writing %s: %v", fw.target, err)
		}
		if fw.Tmp, err = writeTemp(fw.real, data, st.Mode().Perm()); err != nil {
			return fws, fmt.Errorf("writing %s: %v", fw.target, err)
		}
		fw.New = sum(data)
		if fw.Backup, err = linkBackup(fw.real); err != nil {
			return fws, fmt.Errorf("writing %s: %v", fw.target, err)
		}
	}
	// The temporary files and backups are on disk before the journal
	// names them (the journal's directory is synced after its link).
	for _, fw := range fws {
		if d := filepath.Dir(fw.real); d != filepath.Clean(s.ConfDir) {
			step("syncdir", d)
			syncDir(d)
		}
	}
	return fws, nil
}

// linkBackup gives path a second name next to it and returns that name.
func linkBackup(path string) (string, error) {
	dir, base := filepath.Split(path)
	for i := 0; ; i++ {
		name := "." + base + ".wgowrt-" + randomDigits()
		step("link", filepath.Join(dir, name))
		err := os.Link(path, filepath.Join(dir, name))
		if errors.Is(err, os.ErrExist) && i < 100 {
			continue
		}
		return name, err
	}
}

// replay parses a config file's content, applies delta lines and returns
// the result as uci commit writes it.
func replay(pkg string, old []byte, deltas ...[]byte) ([]byte, error) {
	np, err := uci.Parse(pkg, old)
	if err != nil {
		return nil, err
	}
	for _, d := range deltas {
		np.ApplyDeltas(d)
	}
	return np.Export(false), nil
}

// discard removes the temporary files and backups of a write that was not
// decided and releases its locks.
func discard(fws []*fileWrite) {
	for _, fw := range fws {
		removeTemps(fw)
		release(fw)
	}
}

func removeTemps(fw *fileWrite) {
	for _, name := range []string{fw.Tmp, fw.Backup} {
		if name != "" {
			p := filepath.Join(filepath.Dir(fw.real), name)
			if _, err := os.Lstat(p); err == nil {
				step("remove", p)
				os.Remove(p)
			}
		}
	}
}

func release(fw *fileWrite) {
	if fw.lock != nil {
		fw.lock.Close()
		fw.lock = nil
	}
}

func (fw *fileWrite) tmpPath() string    { return filepath.Join(filepath.Dir(fw.real), fw.Tmp) }
func (fw *fileWrite) backupPath() string { return filepath.Join(filepath.Dir(fw.real), fw.Backup) }

// writeTemp writes data to a new temporary file next to path, synced and
// with mode, and returns its base name.
func writeTemp(path string, data []byte, mode os.FileMode) (string, error) {
	dir, base := filepath.Split(path)
	for i := 0; ; i++ {
		name := "." + base + ".wgowrt-" + randomDigits()
		tmp := filepath.Join(dir, name)
		step("create", tmp)
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
		if errors.Is(err, os.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return "", err
		}
		if err := fill(f, data, mode); err != nil {
			step("remove", tmp)
			os.Remove(tmp)
			return "", err
		}
		return name, nil
	}
}

// fill writes, syncs, chmods and closes a new file.
func fill(f *os.File, data []byte, mode os.FileMode) error {
	defer f.Close()
	step("write", f.Name())
	if _, err := f.Write(data); err != nil {
		return err
	}
	step("sync", f.Name())
	if err := f.Sync(); err != nil {
		return err
	}
	if mode != 0600 {
		step("chmod", f.Name())
		if err := f.Chmod(mode); err != nil {
			return err
		}
	}
	return f.Close()
}

func randomDigits() string {
	var b [4]byte
	io.ReadFull(rand.Reader, b[:])
	return strconv.FormatUint(uint64(b[0])<<24|uint64(b[1])<<16|uint64(b[2])<<8|uint64(b[3]), 10)
}

// writeJournal decides the write (step 2). The journal is created through
// a hard link, which fails rather than replace another write's journal;
// the returned file holds its lock until the write is finished.
func (s *Store) writeJournal(fws []*fileWrite) (*os.File, error) {
	j := journal{Version: 1}
	for _, fw := range fws {
		j.Files = append(j.Files, fw.journalFile)
	}
	data, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(s.ConfDir, journalName+"-"+randomDigits())
	step("create", tmp)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		return nil, err
	}
	defer func() {
		step("remove", tmp)
		os.Remove(tmp)
	}()
	if err := flockFile(f, syscall.LOCK_EX); err == nil {
		step("write", tmp)
		if _, err = f.Write(data); err == nil {
			step("sync", tmp)
			if err = f.Sync(); err == nil {
				step("link", s.journalPath())
				err = os.Link(tmp, s.journalPath())
			}
		}
		if err == nil {
			step("syncdir", s.ConfDir)
			syncDir(s.ConfDir)
			return f, nil
		}
	}
	f.Close()
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s exists: another write is unfinished; run the command again", s.journalPath())
	}
	return nil, err
}

// finish does the renames of step 3; an error rolls the write back at
// once. closeJournal does the rest.
func (s *Store) finish(fws []*fileWrite, jf *os.File) error {
	for _, fw := range fws {
		step("rename", fw.real)
		err := os.Rename(fw.tmpPath(), fw.real)
		if err == nil {
			step("syncdir", filepath.Dir(fw.real))
			syncDir(filepath.Dir(fw.real))
			if failAfterCommit != nil {
				err = failAfterCommit(fw.Package)
			}
		}
		if err != nil {
			back, serr := s.settle(fws)
			if serr != nil {
				return fmt.Errorf("writing %s: %v; undoing the write failed too (%v): the next wgowrt command finishes it", fw.target, err, serr)
			}
			if back {
				return fmt.Errorf("writing %s: %v; nothing was changed", fw.target, err)
			}
			return fmt.Errorf("writing %s: %v", fw.target, err)
		}
	}
	return nil
}

// closeJournal ends a write: rolled forward, folded staged changes are
// trimmed from /tmp/.uci; then the journal is removed, and after it the
// backups and temporary files.
func (s *Store) closeJournal(fws []*fileWrite, forward bool) error {
	for _, fw := range fws {
		if len(fw.Pending) == 0 || !forward {
			continue
		}
		if _, err := s.ctx().TrimDelta(fw.Package, fw.Pending); err != nil {
			return fmt.Errorf("emptying %s: %v; the next wgowrt command finishes the write", s.ctx().DeltaPath(fw.Package), err)
		}
	}
	step("remove", s.journalPath())
	if err := os.Remove(s.journalPath()); err != nil {
		return fmt.Errorf("removing %s: %v", s.journalPath(), err)
	}
	step("syncdir", s.ConfDir)
	syncDir(s.ConfDir)
	for _, fw := range fws {
		removeTemps(fw)
	}
	return nil
}

// settle ends a decided write whose targets the caller has locked: rolled
// back when every target holds its old or its new content and the backups
// of the new ones exist, else rolled forward. It reports whether it rolled
// back.
func (s *Store) settle(fws []*fileWrite) (bool, error) {
	back := true
	cur := make([][]byte, len(fws))
	for i, fw := range fws {
		if fw.lock == nil {
			continue // skipped: see recoverJournal
		}
		// By path: after our own rename the lock is on the old file.
		data, err := os.ReadFile(fw.real)
		if err != nil {
			return false, fmt.Errorf("%s: %v", fw.target, err)
		}
		cur[i] = sum(data)
		switch {
		case bytes.Equal(cur[i], fw.Old):
		case bytes.Equal(cur[i], fw.New):
			if _, err := os.Lstat(fw.backupPath()); err != nil {
				back = false
			}
		default:
			back = false
		}
	}
	for i, fw := range fws {
		if fw.lock == nil {
			continue
		}
		var err error
		if back {
			err = s.undo(fw, cur[i])
		} else {
			err = s.redo(fw, cur[i])
		}
		if err != nil {
			return false, fmt.Errorf("%s: %v", fw.target, err)
		}
	}
	return back, s.closeJournal(fws, !back)
}

// undo puts a target's old content back, and the staged changes folded
// into it back into /tmp/.uci.
func (s *Store) undo(fw *fileWrite, cur []byte) error {
	if bytes.Equal(cur, fw.New) && !bytes.Equal(fw.New, fw.Old) {
		step("rename", fw.real)
		if err := os.Rename(fw.backupPath(), fw.real); err != nil {
			return err
		}
		step("syncdir", filepath.Dir(fw.real))
		syncDir(filepath.Dir(fw.real))
	}
	if len(fw.Pending) == 0 {
		return nil
	}
	return s.ctx().EditDelta(fw.Package, func(data []byte) ([]byte, bool) {
		if bytes.HasPrefix(data, fw.Pending) {
			return nil, false
		}
		return append(append([]byte{}, fw.Pending...), data...), true
	})
}

// redo finishes one target: done when its temporary file is gone (renamed);
// else the temporary file replaces an unchanged target, or the edits are
// replayed onto a changed one.
func (s *Store) redo(fw *fileWrite, cur []byte) error {
	tmp := fw.tmpPath()
	if _, err := os.Lstat(tmp); os.IsNotExist(err) {
		return nil
	}
	if !bytes.Equal(cur, fw.Old) {
		now, err := os.ReadFile(fw.real)
		if err != nil {
			return err
		}
		data, err := replay(fw.Package, now, fw.Pending, fw.Edits)
		if err != nil {
			return err
		}
		st, err := os.Stat(fw.real)
		if err != nil {
			return err
		}
		name, err := writeTemp(fw.real, data, st.Mode().Perm())
		if err != nil {
			return err
		}
		step("remove", tmp)
		os.Remove(tmp)
		fw.Tmp, tmp = name, fw.tmpPath()
	}
	step("rename", fw.real)
	if err := os.Rename(tmp, fw.real); err != nil {
		return err
	}
	step("syncdir", filepath.Dir(fw.real))
	syncDir(filepath.Dir(fw.real))
	return nil
}

// Recover finishes a Write that was interrupted (killed, power cut): rolls
// it back, or forward when it cannot be undone (see above). It then
// removes the temporary files such writes (and uci commits of this
// program) left in the config, override and delta directories, and the
// staging directories older versions left in $TMPDIR. It is idempotent,
// cheap when there is nothing to do, and safe against a concurrent Write
// or Recover. Load calls it once per Store, so nothing is ever planned
// against a half-written configuration.
func (s *Store) Recover() error {
	s.recovered = true
	err := s.recoverJournal()
	if err == nil {
		s.cleanup()
	}
	return err
}

func (s *Store) recoverJournal() error {
	path := s.journalPath()
	var jf *os.File
	for {
		f, err := os.OpenFile(path, os.O_RDONLY, 0)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("an interrupted write cannot be finished: %v", err)
		}
		if err := flockFile(f, syscall.LOCK_EX); err != nil {
			f.Close()
			return fmt.Errorf("an interrupted write cannot be finished: %s: %v", path, err)
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			jf = f
			break
		}
		f.Close() // finished (removed) or replaced meanwhile
	}
	defer jf.Close()
	data, err := io.ReadAll(jf)
	var j journal
	if err == nil {
		err = json.Unmarshal(data, &j)
	}
	if err == nil && j.Version != 1 {
		err = fmt.Errorf("version %d", j.Version)
	}
	if err != nil {
		return fmt.Errorf("%s, the record of an interrupted write, is unreadable (%v); check the files in %s and remove it", path, err, s.ConfDir)
	}
	var fws []*fileWrite
	defer func() {
		for _, fw := range fws {
			release(fw)
		}
	}()
	for _, f := range j.Files {
		fw, err := s.journalTarget(f)
		if err != nil {
			return fmt.Errorf("%s: %v; check the files in %s and remove it", path, err, s.ConfDir)
		}
		fws = append(fws, fw)
	}
	sort.Slice(fws, func(i, k int) bool { return fws[i].target < fws[k].target })
	for _, fw := range fws {
		if gone(fw.target) && gone(fw.tmpPath()) && gone(fw.backupPath()) {
			// A tmpfs emptied by a reboot (/var/run/uci): nothing to
			// finish there, and creating the file would shadow
			// /etc/config's.
			continue
		}
		if fw.lock, err = uci.LockFile(fw.target, os.O_RDWR|os.O_CREATE, 0600); err != nil {
			return fmt.Errorf("finishing an interrupted write: %v", err)
		}
	}
	if _, err := s.settle(fws); err != nil {
		return fmt.Errorf("finishing an interrupted write of %v", err)
	}
	return nil
}

// journalTarget checks one journal entry names a config and temporary
// files of ours.
func (s *Store) journalTarget(f journalFile) (*fileWrite, error) {
	fw := &fileWrite{journalFile: f, target: s.targetPath(f.Package, f.Override)}
	fw.real = fw.target
	if r, err := filepath.EvalSymlinks(fw.target); err == nil {
		fw.real = r
	}
	for _, name := range []string{f.Tmp, f.Backup} {
		if pkg := tmpConfigPackage(name); !uci.ValidPackage(f.Package) || pkg == "" || pkg != filepath.Base(fw.real) {
			return nil, fmt.Errorf("bad entry %q %q", f.Package, name)
		}
	}
	return fw, nil
}

// cleanup removes temporary files nobody is writing. Best effort: a
// reader without write access to /etc/config removes nothing.
func (s *Store) cleanup() {
	for _, dir := range []string{s.ConfDir, s.OverrideDir, s.SaveDir} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if pkg := tmpConfigPackage(name); pkg != "" && e.Type().IsRegular() {
				removeStray(filepath.Join(dir, name), filepath.Join(dir, pkg), s.journalPath())
			} else if dir == s.ConfDir && isTmpJournal(name) && e.Type().IsRegular() {
				removeStray(filepath.Join(dir, name), "", "")
			}
		}
	}
	tmpdir := os.TempDir()
	ents, _ := os.ReadDir(tmpdir)
	for _, e := range ents {
		if e.IsDir() && isTmpStaging(e.Name()) && staleDir(e) && onlyDeltas(filepath.Join(tmpdir, e.Name())) {
			step("remove", filepath.Join(tmpdir, e.Name()))
			os.RemoveAll(filepath.Join(tmpdir, e.Name()))
		}
	}
}

// staleDir: an older wgowrt (which took no lock) may still be committing
// through a staging directory; one untouched for ten minutes is left over.
func staleDir(e os.DirEntry) bool {
	fi, err := e.Info()
	return err == nil && time.Since(fi.ModTime()) > 10*time.Minute
}

// removeStray removes a temporary file unless its writer is alive: every
// writer of such a file holds the lock of its target (uci commit's rule)
// or, for a journal, of the file itself. While a journal exists, the
// temporary files it may name are left for Recover.
func removeStray(tmp, target, journal string) {
	var lock *os.File
	if target != "" {
		var err error
		lock, err = uci.LockFile(target, os.O_RDONLY, 0)
		if err == nil {
			defer lock.Close()
		} else if !os.IsNotExist(err) {
			return
		}
	}
	f, err := os.Open(tmp)
	if err != nil {
		return
	}
	defer f.Close()
	// A backup is another name of the target itself, whose lock we hold.
	if !sameFile(f, lock) && flockFile(f, syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return
	}
	if journal != "" && strings.Contains(filepath.Base(tmp), ".wgowrt-") {
		if _, err := os.Lstat(journal); err == nil {
			return
		}
	}
	step("remove", tmp)
	os.Remove(tmp)
}

// onlyDeltas says whether dir holds nothing but delta files (what the
// staging directories of older versions held).
func onlyDeltas(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !uci.ValidPackage(e.Name()) {
			return false
		}
	}
	return true
}

func gone(path string) bool {
	_, err := os.Lstat(path)
	return os.IsNotExist(err)
}

func sameFile(a, b *os.File) bool {
	if a == nil || b == nil {
		return false
	}
	sa, err1 := a.Stat()
	sb, err2 := b.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

func sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

func readFrom(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

func flockFile(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
