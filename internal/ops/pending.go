package ops

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/uci"
)

// A confirmed apply keeps, on flash, what the configuration files were
// before the change: the pending record. It is not part of the store's
// crash journal, whose write is finished (the change is committed and
// live) before the record is armed; store.Recover therefore never undoes a
// change waiting for confirmation. The record is undone by `wgowrt
// rollback` (run by the timer the change started, or by the boot script
// before the network comes up) and dropped by `wgowrt confirm`.
//
// The record is a directory that appears and disappears by rename, so a
// kill at any instant leaves either a whole record or none: built in
// .pending-<n>, renamed to pending; removed by a rename to .pending-<n>
// first. Leftover .pending-<n> directories are deleted by the next use.

// PendingDir holds the pending record; /etc is on flash on OpenWrt.
const PendingDir = "/etc/wgowrt/pending"

// pendingMeta is the record's description inside PendingDir.
const pendingMeta = "pending.json"

// Pending is a change waiting for `wgowrt confirm`. Its field names are
// those of `status --json` and `confirm --json` (version 1).
type Pending struct {
	Version int `json:"version"`
	// ID tells this change from a later one (the timer only rolls back
	// the change that started it).
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Deadline time.Time `json:"deadline"`
	// Command says what the change was ("expose --port 22 --on wan").
	Command string        `json:"command"`
	Files   []PendingFile `json:"files"`
	// By is the SSH client that made it ("" from a console).
	By string `json:"by,omitempty"`
}

// PendingFile is one configuration file the change wrote.
type PendingFile struct {
	Package string `json:"package"`
	// Path is the file, without the --root prefix.
	Path string `json:"path"`
	// Existed is false for a file the change created: rollback removes it.
	Existed bool `json:"existed"`
	// Old and New are the sha256 of its content before and after.
	Old  string `json:"old_sha256"`
	New  string `json:"new_sha256,omitempty"`
	Mode uint32 `json:"mode"`
	// Staged is the sha256 of the user's staged (/tmp/.uci) lines that
	// the change committed with its own (--commit-pending): rollback
	// stages them again, ahead of whatever was staged since.
	Staged string `json:"staged_sha256,omitempty"`
}

// Remaining is the time left to confirm at now (0 when expired).
func (p *Pending) Remaining(now time.Time) time.Duration {
	if d := p.Deadline.Sub(now); d > 0 {
		return d
	}
	return 0
}

func (o *Ops) pendingDir() string { return o.Path(PendingDir) }

// ReadPending returns the change waiting for confirmation, or nil.
func (o *Ops) ReadPending() (*Pending, error) {
	data, err := os.ReadFile(filepath.Join(o.pendingDir(), pendingMeta))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the pending change: %v", err)
	}
	var p Pending
	if err := json.Unmarshal(data, &p); err != nil || p.Version != 1 {
		return nil, fmt.Errorf("%s is unreadable; check it and remove %s", filepath.Join(o.pendingDir(), pendingMeta), o.pendingDir())
	}
	return &p, nil
}

// snapshotName is the copy of a package's old content in the record.
func snapshotName(pkg string) string { return pkg + ".old" }

// stagedName is the copy of the staged lines of a package that the change
// committed (--commit-pending).
func stagedName(pkg string) string { return pkg + ".staged" }

// armPending writes the record of a change about to be committed: the
// current content of each package's file. The store's write follows.
func (o *Ops) armPending(s *store.Store, pkgs []string, window time.Duration, command string, commitPending bool) (*Pending, error) {
	now := o.Deps.Now()
	p := &Pending{Version: 1, ID: randomID(), Created: now.UTC(), Deadline: now.Add(window).UTC(), Command: command}
	if a := o.adminAddr(); a != "" {
		p.By = a
	}
	dir := o.pendingDir()
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0700); err != nil {
		return nil, fmt.Errorf("keeping the old configuration for rollback: %v; nothing was changed", err)
	}
	cleanPendingTemps(parent)
	tmp, err := os.MkdirTemp(parent, ".pending-")
	if err != nil {
		return nil, fmt.Errorf("keeping the old configuration for rollback: %v; nothing was changed", err)
	}
	if err := o.fillPending(s, tmp, p, pkgs, commitPending); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("keeping the old configuration for rollback: %v; nothing was changed", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("keeping the old configuration for rollback: %v; nothing was changed", err)
	}
	syncPath(parent)
	return p, nil
}

func (o *Ops) fillPending(s *store.Store, tmp string, p *Pending, pkgs []string, commitPending bool) error {
	for _, pkg := range pkgs {
		f, err := o.keepOld(s, tmp, pkg, commitPending)
		if err != nil {
			return err
		}
		p.Files = append(p.Files, f)
	}
	return writeMeta(tmp, p)
}

// keepOld copies the current content of pkg's file (and with
// commitPending its staged lines) into the record directory dir and
// describes it. A copy a killed run left there, which no record lists,
// is replaced.
func (o *Ops) keepOld(s *store.Store, dir, pkg string, commitPending bool) (PendingFile, error) {
	ctx := &uci.Context{ConfDir: s.ConfDir, OverrideDir: s.OverrideDir}
	path := ctx.Path(pkg)
	f := PendingFile{Package: pkg, Path: o.unroot(path), Mode: 0600}
	data, err := uci.ReadLocked(path)
	switch {
	case err == nil:
		f.Existed = true
		if st, serr := os.Stat(path); serr == nil {
			f.Mode = uint32(st.Mode().Perm())
		}
	case uci.CodeOf(err) == uci.ErrNotFound || errors.Is(err, os.ErrNotExist):
		data = nil
	default:
		return f, err
	}
	f.Old = hashHex(data)
	os.Remove(filepath.Join(dir, snapshotName(pkg)))
	os.Remove(filepath.Join(dir, stagedName(pkg)))
	if err := writeSynced(filepath.Join(dir, snapshotName(pkg)), data); err != nil {
		return f, err
	}
	if commitPending {
		if err := keepStaged(s, dir, &f); err != nil {
			return f, err
		}
	}
	return f, nil
}

// joinPending adds a commit to the change waiting for confirmation with
// ID id (Confirm.Join): the record keeps, for each file this commit
// writes that it does not hold yet, the file's content now; a file it
// holds keeps what it had before the first commit. The caller holds the
// lock; the commit follows. A run killed here leaves the record as it
// was, or holding a file whose content the commit has not changed yet
// (rolled back to itself).
func (o *Ops) joinPending(s *store.Store, pkgs []*uci.Package, id string, commitPending bool) (*Pending, error) {
	p, err := o.ReadPending()
	if err != nil {
		return nil, err
	}
	if p == nil || p.ID != id {
		return nil, errJoinGone(id)
	}
	held := map[string]bool{}
	for _, f := range p.Files {
		held[f.Package] = true
	}
	dir, added := o.pendingDir(), false
	for _, pkg := range pkgs {
		if len(pkg.Unsaved()) == 0 || held[pkg.Name] {
			continue
		}
		f, err := o.keepOld(s, dir, pkg.Name, commitPending)
		if err != nil {
			return nil, fmt.Errorf("keeping the old configuration for rollback: %v; nothing more was changed", err)
		}
		p.Files, added = append(p.Files, f), true
	}
	if added {
		if err := writeMeta(dir, p); err != nil {
			return nil, fmt.Errorf("keeping the old configuration for rollback: %v; nothing more was changed", err)
		}
		syncPath(dir)
	}
	return p, nil
}

// errJoinGone: the change a commit was to join no longer waits.
func errJoinGone(id string) error {
	return fmt.Errorf("the change %s no longer waits for confirmation (confirmed, rolled back, or its window ran out): nothing more was changed; run the command again", id)
}

// keepStaged copies the package's delta file (what the commit will fold
// in and trim) into the record.
func keepStaged(s *store.Store, tmp string, f *PendingFile) error {
	data, err := uci.ReadLocked(filepath.Join(s.SaveDir, f.Package))
	if err != nil && uci.CodeOf(err) != uci.ErrNotFound && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(data) == 0 {
		return nil
	}
	f.Staged = hashHex(data)
	return writeSynced(filepath.Join(tmp, stagedName(f.Package)), data)
}

// restage puts the staged lines the change committed back at the head of
// the package's delta file, unless they are there already (a rollback
// killed after this step and run again).
func (o *Ops) restage(f PendingFile) error {
	if f.Staged == "" {
		return nil
	}
	lines, err := os.ReadFile(filepath.Join(o.pendingDir(), stagedName(f.Package)))
	if err != nil || hashHex(lines) != f.Staged {
		return fmt.Errorf("the saved staged changes of %s are missing or damaged; stage them again by hand", f.Package)
	}
	ctx := &uci.Context{SaveDir: o.Path(uci.DefaultSaveDir)}
	path := ctx.DeltaPath(f.Package)
	if err := os.MkdirAll(filepath.Dir(path), 0700); err != nil {
		return fmt.Errorf("staging the changes of %s again: %v", f.Package, err)
	}
	l, err := uci.LockFile(path, os.O_RDWR|os.O_CREATE, 0600) // a reboot emptied /tmp
	if err != nil {
		return fmt.Errorf("staging the changes of %s again: %v", f.Package, err)
	}
	l.Close()
	err = ctx.EditDelta(f.Package, func(data []byte) ([]byte, bool) {
		if bytes.HasPrefix(data, lines) {
			return nil, false
		}
		return append(append([]byte{}, lines...), data...), true
	})
	if err != nil {
		return fmt.Errorf("staging the changes of %s again: %v", f.Package, err)
	}
	return nil
}

// notePendingWritten records the new content of each file after the
// commit (so that rollback can say when someone changed one since).
func (o *Ops) notePendingWritten(p *Pending) {
	for i, f := range p.Files {
		if data, err := os.ReadFile(o.Path(f.Path)); err == nil {
			p.Files[i].New = hashHex(data)
		}
	}
	writeMeta(o.pendingDir(), p)
}

// dropPending removes the record (rename first: never half a record).
func (o *Ops) dropPending() error {
	dir := o.pendingDir()
	gone := filepath.Join(filepath.Dir(dir), ".pending-"+randomID())
	if err := os.Rename(dir, gone); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("removing the pending change %s: %v", dir, err)
	}
	syncPath(filepath.Dir(dir))
	os.RemoveAll(gone)
	return nil
}

// restorePending puts every file of the record back as it was, the way
// uci commit replaces a file (locked, temporary file, sync, rename), or
// removes a file the change created. It returns the packages restored and
// those changed by someone else since the change.
func (o *Ops) restorePending(p *Pending) (restored, changedSince []string, err error) {
	for _, f := range p.Files {
		did, changed, err := o.restoreFile(f)
		if changed {
			changedSince = append(changedSince, f.Package)
		}
		if did {
			restored = append(restored, f.Package)
		}
		if err == nil {
			err = o.restage(f)
		}
		if err != nil {
			return restored, changedSince, err
		}
	}
	return restored, changedSince, nil
}

// restoreFile puts one file of the record back; it says whether it did,
// and whether someone else changed the file since the change.
func (o *Ops) restoreFile(f PendingFile) (did, changed bool, err error) {
	path := o.Path(f.Path)
	old, rerr := os.ReadFile(filepath.Join(o.pendingDir(), snapshotName(f.Package)))
	if rerr != nil || hashHex(old) != f.Old {
		return false, false, fmt.Errorf("the saved copy of %s is missing or damaged; restore %s by hand", f.Package, f.Path)
	}
	cur, cerr := os.ReadFile(path)
	changed = cerr == nil && f.New != "" && hashHex(cur) != f.New && hashHex(cur) != f.Old
	if cerr == nil && hashHex(cur) == f.Old && f.Existed {
		return false, changed, nil
	}
	if !f.Existed {
		if cerr != nil {
			return false, changed, nil
		}
		if err := removeLocked(path); err != nil {
			return false, changed, fmt.Errorf("removing %s: %v", f.Path, err)
		}
		return true, changed, nil
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return false, changed, nil // a tmpfs (/var/run/uci) emptied by a reboot
	}
	if err := uci.WriteFileAtomic(path, old, os.FileMode(f.Mode)); err != nil {
		return false, changed, fmt.Errorf("restoring %s: %v", f.Path, err)
	}
	return true, changed, nil
}

// removeLocked removes a config file under its uci lock.
func removeLocked(path string) error {
	l, err := uci.LockFile(path, os.O_RDONLY, 0)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	defer l.Close()
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	syncPath(filepath.Dir(path))
	return nil
}

func (o *Ops) unroot(path string) string {
	if o.Root == "" {
		return path
	}
	rel, err := filepath.Rel(o.Root, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return "/" + rel
}

func writeMeta(dir string, p *Pending) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return uci.WriteFileAtomic(filepath.Join(dir, pendingMeta), append(data, '\n'), 0600)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cleanPendingTemps removes records half built or half removed by a
// killed run.
func cleanPendingTemps(parent string) {
	ents, _ := os.ReadDir(parent)
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".pending-") {
			os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}

func syncPath(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func randomID() string {
	var b [6]byte
	io.ReadFull(rand.Reader, b[:])
	return hex.EncodeToString(b[:])
}
