package uci

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
)

// Default directories, as compiled into libuci.
const (
	DefaultConfDir = "/etc/config"
	DefaultSaveDir = "/tmp/.uci"
	// DefaultOverrideDir is where OpenWrt 25.12+ looks for a config first.
	DefaultOverrideDir = "/var/run/uci"
)

// Context locates config files and staged changes, like a libuci context
// with uci(1)'s -c, -t and -p options.
type Context struct {
	// ConfDir holds the config files (default /etc/config).
	ConfDir string
	// SaveDir is where staged changes are written and read last (default
	// /tmp/.uci).
	SaveDir string
	// DeltaPaths are extra directories whose delta files are applied, in
	// order, before SaveDir's (uci -p).
	DeltaPaths []string
	// OverrideDir is looked in before ConfDir, as libuci does since
	// OpenWrt 25.12 with /var/run/uci (uci -C); a config found there is
	// also committed there. Empty means none.
	OverrideDir string
}

func (c *Context) confDir() string {
	if c.ConfDir == "" {
		return DefaultConfDir
	}
	return c.ConfDir
}

func (c *Context) saveDir() string {
	if c.SaveDir == "" {
		return DefaultSaveDir
	}
	return c.SaveDir
}

// Path returns the config file of package name: in OverrideDir when it
// holds a regular file of that name, else in ConfDir.
func (c *Context) Path(name string) string {
	if c.OverrideDir != "" {
		p := filepath.Join(c.OverrideDir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return filepath.Join(c.confDir(), name)
}

// DeltaPath returns the file staged changes of package name are saved to.
func (c *Context) DeltaPath(name string) string { return filepath.Join(c.saveDir(), name) }

func (c *Context) deltaFiles(name string) []string {
	var out []string
	for _, d := range c.DeltaPaths {
		if filepath.Clean(d) != filepath.Clean(c.saveDir()) {
			out = append(out, filepath.Join(d, name))
		}
	}
	return append(out, c.DeltaPath(name))
}

// Load reads package name from ConfDir and applies its staged changes, as
// every libuci reader (netifd, fw4, uci show) sees it.
func (c *Context) Load(name string) (*Package, error) {
	p, err := c.LoadFile(name)
	if err != nil {
		return nil, err
	}
	c.applyDeltas(p)
	return p, nil
}

// LoadFile reads package name from ConfDir without staged changes.
func (c *Context) LoadFile(name string) (*Package, error) {
	if !validPackage(name) {
		return nil, errf(ErrInval, "%q is not a valid config name", name)
	}
	data, err := readLocked(c.Path(name))
	if err != nil {
		return nil, err
	}
	p, err := Parse(name, data)
	if err != nil {
		err.(*Error).File = c.Path(name)
		return nil, err
	}
	return p, nil
}

// applyDeltas applies every delta file of p and returns how many lines
// parsed.
func (c *Context) applyDeltas(p *Package) int {
	n := 0
	for _, f := range c.deltaFiles(p.Name) {
		if data, err := readLocked(f); err == nil {
			n += p.ApplyDeltaFile(data, f)
		}
	}
	return n
}

// Configs lists the config names in ConfDir (and OverrideDir), sorted,
// as uci(1) finds them.
func (c *Context) Configs() ([]string, error) {
	ents, err := os.ReadDir(c.confDir())
	if err != nil {
		return nil, &Error{Code: ErrNotFound, File: c.confDir(), Err: err}
	}
	if c.OverrideDir != "" {
		more, _ := os.ReadDir(c.OverrideDir)
		ents = append(ents, more...)
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && validPackage(n) && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Save appends p's unsaved changes to its delta file in SaveDir, creating
// the directory (with ConfDir's mode) and the file (with the config file's
// mode) as libuci does.
func (c *Context) Save(p *Package) error {
	if len(p.delta) == 0 {
		return nil
	}
	dir := c.saveDir()
	if st, err := os.Stat(dir); err != nil {
		mode := os.FileMode(0700)
		if cst, err := os.Stat(c.confDir()); err == nil {
			mode = cst.Mode().Perm()
		}
		if err := os.MkdirAll(dir, mode); err != nil {
			return &Error{Code: ErrIO, File: dir, Err: err}
		}
	} else if !st.IsDir() {
		return &Error{Code: ErrIO, File: dir, Detail: "not a directory"}
	}
	mode := os.FileMode(0600)
	if st, err := os.Stat(c.Path(p.Name)); err == nil {
		mode = st.Mode().Perm()
	}
	path := c.DeltaPath(p.Name)
	// The lock is retried if the file is replaced meanwhile (a revert
	// renames a filtered copy over it), so no change goes to a dead file.
	f, err := lockFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, mode)
	if err != nil {
		return err
	}
	defer f.Close()
	var b bytes.Buffer
	for _, d := range p.delta {
		b.WriteString(d.DeltaLine(p.Name))
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		return &Error{Code: ErrIO, File: path, Err: err}
	}
	if err := f.Sync(); err != nil {
		return &Error{Code: ErrIO, File: path, Err: err}
	}
	p.saved = append(p.saved, p.delta...)
	p.delta = nil
	return nil
}

// Commit writes package p's staged changes (its own, saved first, and those
// other writers left in the delta files) into the config file, like
// `uci commit`: the file is locked, re-read, the changes replayed, the
// result written atomically, and only then is the delta file emptied. The
// committed package is returned. With no staged change nothing is written:
// also when the delta file p was loaded with has vanished since (another
// process committed or reverted it), as libuci does (uci_load_delta_file
// ignores a missing file; see vanished_test.go) — p's own unsaved changes
// are still committed, and the returned package lacks the vanished ones.
func (c *Context) Commit(p *Package) (*Package, error) {
	path := c.Path(p.Name)
	lock, err := lockTarget(path, 0600)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := c.Save(p); err != nil {
		return nil, err
	}
	data, err := readAll(lock, path)
	if err != nil {
		return nil, err
	}
	np, err := Parse(p.Name, data)
	if err != nil {
		err.(*Error).File = path
		return nil, err
	}
	if c.applyDeltas(np) == 0 {
		return np, nil
	}
	if err := replaceLocked(path, np.Export(false)); err != nil {
		return nil, err
	}
	if err := c.truncateDelta(np.Name); err != nil {
		return nil, err
	}
	np.saved = nil
	return np, nil
}

func (c *Context) truncateDelta(name string) error {
	return c.editDelta(name, func([]byte) ([]byte, bool) { return nil, true })
}

// TrimDelta removes prefix from the start of package name's delta file in
// SaveDir when the file starts with it, keeping whatever was appended
// since, and reports whether it did. It is how a commit that folded those
// staged changes into the config file empties the delta file without
// losing a change staged meanwhile.
func (c *Context) TrimDelta(name string, prefix []byte) (bool, error) {
	done := false
	err := c.editDelta(name, func(data []byte) ([]byte, bool) {
		if len(prefix) == 0 || !bytes.HasPrefix(data, prefix) {
			return nil, false
		}
		done = true
		return data[len(prefix):], true
	})
	return done, err
}

// EditDelta replaces the content of package name's delta file in SaveDir
// with edit(content) when edit says it changed, under the file's lock and
// through a temporary file (see editDelta). A missing file is left missing.
func (c *Context) EditDelta(name string, edit func([]byte) ([]byte, bool)) error {
	return c.editDelta(name, edit)
}

// editDelta replaces the content of package name's delta file in SaveDir
// with edit(content), under the file's exclusive lock, when edit says it
// changed. The new content goes to a temporary file that is renamed over
// the old one (mode kept), so a process killed midway leaves the old
// delta or the new one, never a truncated one. A missing file is left
// missing.
func (c *Context) editDelta(name string, edit func([]byte) ([]byte, bool)) error {
	path := c.DeltaPath(name)
	f, err := lockFile(path, os.O_RDWR, 0)
	if err != nil {
		if e, ok := err.(*Error); ok && os.IsNotExist(e.Err) {
			return nil
		}
		return err
	}
	defer f.Close()
	data, err := readAll(f, path)
	if err != nil {
		return err
	}
	out, changed := edit(data)
	if !changed {
		return nil
	}
	return replaceLocked(path, out)
}

// Revert drops staged changes of package ptr.Package (all of them, those of
// one section, or of one option) from the delta file in SaveDir, and
// returns the package reloaded. p's unsaved changes are saved first, as
// uci revert does. Lines it cannot parse are kept.
func (c *Context) Revert(p *Package, ptr Ptr) (*Package, error) {
	if err := c.Save(p); err != nil {
		return nil, err
	}
	if ptr.Extended {
		s, err := p.Lookup(ptr.Section)
		if err != nil {
			return nil, err
		}
		ptr.Section = s.Name
	}
	if err := c.rewriteDelta(p.Name, ptr); err != nil {
		return nil, err
	}
	return c.Load(p.Name)
}

// rewriteDelta removes the lines ptr matches from the delta file in
// SaveDir, under its lock.
func (c *Context) rewriteDelta(name string, ptr Ptr) error {
	return c.editDelta(name, func(data []byte) ([]byte, bool) { return filterDelta(name, data, ptr), true })
}

// filterDelta returns the delta lines of data that ptr does not match.
func filterDelta(pkg string, data []byte, ptr Ptr) []byte {
	var out bytes.Buffer
	ps := &parser{src: data, strict: true}
	for !ps.eof {
		start := ps.rd
		ps.pos = 0
		ps.getln(0)
		raw := data[start:ps.rd]
		if ps.ch(0) == 0 {
			continue
		}
		arg, rest, ok := ps.argument()
		var cmd Cmd
		var dp Ptr
		var err error
		if ok && rest == "" {
			cmd, dp, err = parseDeltaTuple(arg)
		}
		if !ok || rest != "" || err != nil {
			out.Write(raw)
			continue
		}
		match := (ptr.Section == "" || dp.Section == ptr.Section) && (ptr.Option == "" || dp.Option == ptr.Option)
		if !match {
			d := Delta{Cmd: cmd, Section: dp.Section, Option: dp.Option, Value: dp.Value, HasValue: dp.HasValue}
			out.WriteString(d.DeltaLine(pkg))
		}
	}
	return out.Bytes()
}
