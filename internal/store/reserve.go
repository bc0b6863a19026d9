package store

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wgowrt/wgowrt/uci"
)

// ReserveTTL is how long a reservation outlives the answer that made it
// when LuCI never stages it (the user closed the dialog).
const ReserveTTL = 15 * time.Minute

// reserveTmp prefixes a reservation being written.
const reserveTmp = ".tmp-"

// sessionSeen, in a session's reservation directory, says that rpcd's
// directory of the session existed when a reservation was made, so its
// absence later means the session ended.
const sessionSeen = ".session"

// now is the clock reservations expire by (tests move it).
var now = time.Now

// reserveWritten lets tests kill a writer between its temp file and the
// rename.
var reserveWritten func(path string)

// Reserve records, for rpcd session sid, the sections that pkgs' unsaved
// edits add: an rpcd answer hands those edits to LuCI, which stages them
// into /var/run/rpcd/uci-<sid> only later, and until then Load plans
// around them as if they were staged. Each added section gets its own
// delta file, ReserveDir/reserve-<sid>/<package>.<section> (the syntax of
// rpcd's session files), written to a temp file and renamed, mode 0600
// (it may hold keys), so two peers added in one session before saving
// both stay reserved. Call it under the operations lock. A root without
// /var/run (a copy of a router's files) is left as it was.
func (s *Store) Reserve(sid string, pkgs []*uci.Package) error {
	if !sessionDir("uci-" + sid) {
		return fmt.Errorf("%q is not an rpcd session id", sid)
	}
	if _, err := os.Stat(filepath.Dir(s.ReserveDir)); err != nil {
		return nil
	}
	dir := filepath.Join(s.ReserveDir, "reserve-"+sid)
	var h sigHold
	defer h.stop()
	h.start()
	s.sweepTemps(0)
	seen := false
	if _, err := os.Stat(filepath.Join(s.SessionDir, "uci-"+sid)); err == nil {
		seen = true
	}
	for _, p := range pkgs {
		lines := map[string][]string{}
		var added []string
		for _, d := range p.Unsaved() {
			lines[d.Section] = append(lines[d.Section], d.DeltaLine(p.Name))
			if d.Option == "" && (d.Cmd == uci.CmdAdd || d.Cmd == uci.CmdChange) && len(lines[d.Section]) == 1 {
				added = append(added, d.Section)
			}
		}
		for _, sec := range added {
			if err := os.MkdirAll(dir, 0700); err != nil {
				return fmt.Errorf("reserving in %s: %v", dir, err)
			}
			if seen {
				if err := writeAtomic(filepath.Join(dir, sessionSeen), ""); err != nil {
					return fmt.Errorf("reserving in %s: %v", dir, err)
				}
				seen = false
			}
			if err := writeAtomic(filepath.Join(dir, p.Name+"."+sec), strings.Join(lines[sec], "")); err != nil {
				return fmt.Errorf("reserving in %s: %v", dir, err)
			}
		}
	}
	return nil
}

// writeAtomic writes data to a new 0600 temp file beside path and renames
// it into place.
func writeAtomic(path, data string) error {
	f, err := os.CreateTemp(filepath.Dir(path), reserveTmp+"*")
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && reserveWritten != nil {
		reserveWritten(path)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// sweepTemps removes reservation temp files older than age (a writer
// killed midway left them; under the lock no writer is running, so 0).
func (s *Store) sweepTemps(age time.Duration) {
	tmps, _ := filepath.Glob(filepath.Join(s.ReserveDir, "reserve-*", reserveTmp+"*"))
	for _, t := range tmps {
		if fi, err := os.Lstat(t); err == nil && now().Sub(fi.ModTime()) >= age {
			os.Remove(t)
		}
	}
}

// ApplyReserved applies to p the reservations of every session but self
// (see Reserve) that are still live, as staged changes that are never
// committed. A reservation ends, and its file is removed, when p already
// has its section (LuCI staged it, as Load sees rpcd's sessions, or it
// was committed), after ReserveTTL, or when its session's directory in
// rpcd existed when it was made and is gone now (rpcd removes it when
// the session ends). A session's own reservations are left out of its
// own plans: it sees what it has staged, and a dialog it cancelled can
// be redone with the same name (the new answer replaces the file). Temp
// files of a killed writer are removed too.
func (s *Store) ApplyReserved(p *uci.Package, self string) {
	s.sweepTemps(10 * time.Second)
	dirs, _ := filepath.Glob(filepath.Join(s.ReserveDir, "reserve-*"))
	sort.Strings(dirs)
	for _, dir := range dirs {
		sid := strings.TrimPrefix(filepath.Base(dir), "reserve-")
		if !sessionDir("uci-"+sid) || sid == self {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, sessionSeen)); err == nil {
			if _, err := os.Stat(filepath.Join(s.SessionDir, "uci-"+sid)); os.IsNotExist(err) {
				os.RemoveAll(dir)
				continue
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, p.Name+".*"))
		for _, f := range files {
			sec := strings.TrimPrefix(filepath.Base(f), p.Name+".")
			fi, err := os.Lstat(f)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if now().Sub(fi.ModTime()) > ReserveTTL || p.Section(sec) != nil {
				os.Remove(f)
				continue
			}
			if data, err := os.ReadFile(f); err == nil {
				p.ApplyDeltaFile(data, f)
			}
		}
		if rest, _ := filepath.Glob(filepath.Join(dir, "*.*")); len(rest) == 1 && filepath.Base(rest[0]) == sessionSeen {
			os.Remove(rest[0])
		}
		os.Remove(dir) // only when empty
	}
}

// fromReservation says whether a staged change was read from a
// reservation.
func fromReservation(d uci.Delta) bool {
	dir := filepath.Base(filepath.Dir(d.File))
	return d.File != "" && strings.HasPrefix(dir, "reserve-") && sessionDir("uci-"+strings.TrimPrefix(dir, "reserve-"))
}
