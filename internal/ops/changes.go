package ops

import (
	"strings"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/uci"
)

// FileChanges is what a plan changes in one configuration file, section
// by section: named sections by name, anonymous ones as `uci show` names
// them (@dnsmasq[0]). A section renamed and edited is in Renamed (old ->
// new) and in Changed (new name). The lists are never nil.
type FileChanges struct {
	Added   []string  `json:"added"`
	Removed []string  `json:"removed"`
	Changed []string  `json:"changed"`
	Renamed []Renamed `json:"renamed"`
}

// Renamed is a section that got another name.
type Renamed struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// summarize lists a plan's edits before they are committed (committing
// forgets them): as `uci changes` prints them, secrets hidden, and per
// file (only the files with edits).
func summarize(before plan.State, r *plan.Result) ([]string, map[string]*FileChanges) {
	lines := []string{}
	for _, l := range strings.Split(r.ChangeLines(), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	files := map[string]*FileChanges{}
	olds := map[string]*uci.Package{}
	for _, p := range []*uci.Package{before.Network, before.Firewall, before.Wgowrt, before.Dhcp} {
		if p != nil {
			olds[p.Name] = p
		}
	}
	for _, p := range r.Packages() {
		if ds := p.Unsaved(); len(ds) > 0 {
			files[p.Name] = fileChanges(olds[p.Name], p, ds)
		}
	}
	return lines, files
}

// fileChanges sorts one package's edits into sections added, removed,
// renamed and changed, each named once, in the order first edited.
func fileChanges(old, cur *uci.Package, ds []uci.Delta) *FileChanges {
	fc := &FileChanges{Added: []string{}, Removed: []string{}, Changed: []string{}, Renamed: []Renamed{}}
	added, removed, changed := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, d := range ds {
		switch {
		case d.Cmd == uci.CmdAdd || d.Cmd == uci.CmdChange && d.Option == "" && !existed(old, d.Section) && !removed[d.Section]:
			added[d.Section] = true
			fc.Added = append(fc.Added, d.Section)
		case d.Cmd == uci.CmdRename && d.Option == "" && added[d.Section]:
			added[d.Value] = true
			replace(fc.Added, d.Section, d.Value)
		case d.Cmd == uci.CmdRename && d.Option == "":
			fc.Renamed = append(fc.Renamed, Renamed{From: ref(old, cur, d.Section), To: d.Value})
			if changed[d.Section] {
				changed[d.Value] = true
				replace(fc.Changed, d.Section, d.Value)
			}
		case d.Cmd == uci.CmdRemove && d.Option == "" && added[d.Section]:
			delete(added, d.Section)
			fc.Added = without(fc.Added, d.Section)
		case d.Cmd == uci.CmdRemove && d.Option == "":
			removed[d.Section] = true
			fc.Removed = append(fc.Removed, ref(old, cur, d.Section))
		case !added[d.Section] && !changed[d.Section]:
			changed[d.Section] = true
			fc.Changed = append(fc.Changed, d.Section)
		}
	}
	// A section removed and made again (same name) was changed.
	for name := range removed {
		if cur.Section(name) != nil {
			fc.Removed = without(fc.Removed, name)
			fc.Added = without(fc.Added, name)
			if !changed[name] {
				fc.Changed = append(fc.Changed, name)
			}
		}
	}
	for _, l := range [][]string{fc.Added, fc.Changed} {
		for i, n := range l {
			l[i] = ref(nil, cur, n)
		}
	}
	return fc
}

func existed(old *uci.Package, name string) bool { return old != nil && old.Section(name) != nil }

// ref names a section as `uci show` does: its name, or @type[N] for an
// anonymous one (looked up where it is, else where it was).
func ref(old, cur *uci.Package, name string) string {
	for _, p := range []*uci.Package{cur, old} {
		if p == nil {
			continue
		}
		if s := p.Section(name); s != nil {
			return p.SectionRef(s)
		}
	}
	return name
}

func replace(l []string, from, to string) {
	for i, v := range l {
		if v == from {
			l[i] = to
		}
	}
}

func without(l []string, v string) []string {
	out := l[:0]
	for _, x := range l {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
