// Package plan decides what to change: from the router's current UCI
// packages and an intent (server init, peer add, …) it computes the edits,
// warnings and outputs. It is pure: it never touches files, processes,
// sockets, the clock or randomness, so every decision is a golden test.
package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// State is the configuration as netifd and fw4 would read it (pending
// deltas applied), plus what the running system reports.
type State struct {
	Network  *uci.Package
	Firewall *uci.Package
	// Wgowrt is wgowrt's own config; an empty package when absent.
	Wgowrt *uci.Package
	// Live is what the running router (and the SSH session) tell beyond
	// the files; its zero value means nothing is known.
	Live Live
	// Dhcp is /etc/config/dhcp, loaded only by commands that edit it
	// (e.g. handing out routes with DHCP option 121); nil otherwise.
	Dhcp *uci.Package
}

// clone returns a copy whose edits are recorded from now on.
func (st State) clone() State {
	c := st
	c.Network = st.Network.Clone()
	c.Firewall = st.Firewall.Clone()
	c.Wgowrt = st.Wgowrt.Clone()
	if st.Dhcp != nil {
		c.Dhcp = st.Dhcp.Clone()
	}
	return c
}

// Result is a plan: the edited packages and what to tell the user.
type Result struct {
	State    State
	Warnings []string
	// Notes are informational lines (e.g. "peer exists, nothing changed").
	Notes []string
	// Info explains what the plan writes (e.g. how a tunnel routes); it is
	// shown only when something is written.
	Info []string
}

// Packages returns the edited packages in writing order.
func (r *Result) Packages() []*uci.Package {
	pkgs := []*uci.Package{r.State.Network, r.State.Firewall, r.State.Wgowrt}
	if r.State.Dhcp != nil {
		pkgs = append(pkgs, r.State.Dhcp)
	}
	return pkgs
}

// Changed reports whether any package has an edit.
func (r *Result) Changed() bool {
	for _, p := range r.Packages() {
		if len(p.Unsaved()) > 0 {
			return true
		}
	}
	return false
}

// ChangeLines prints the edits like `uci changes`, secrets hidden.
func (r *Result) ChangeLines() string {
	var b strings.Builder
	for _, p := range r.Packages() {
		for _, d := range p.Unsaved() {
			if wg.IsSecret(d.Option) && d.Cmd != uci.CmdRemove {
				d.Value = wg.Hidden
			}
			b.WriteString(d.ChangeLine(p.Name))
		}
	}
	return b.String()
}

// ChangedPackages names the packages with edits.
func (r *Result) ChangedPackages() []string {
	var out []string
	for _, p := range r.Packages() {
		if len(p.Unsaved()) > 0 {
			out = append(out, p.Name)
		}
	}
	return out
}

func (r *Result) warnf(format string, a ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, a...))
}
func (r *Result) notef(format string, a ...any) { r.Notes = append(r.Notes, fmt.Sprintf(format, a...)) }

// infof records a line about what the plan writes, shown only when it
// writes something.
func (r *Result) infof(format string, a ...any) { r.Info = append(r.Info, fmt.Sprintf(format, a...)) }

// kv is one option to converge: a plain option when list is false.
type kv struct {
	name   string
	values []string
	list   bool
}

func opt(name, value string) kv         { return kv{name: name, values: []string{value}} }
func list(name string, vs ...string) kv { return kv{name: name, values: vs, list: true} }

// ensure creates section name of type typ if missing and sets the given
// options. Options not named are left alone, so a user's additions to a
// wgowrt section survive.
func ensure(p *uci.Package, typ, name string, opts ...kv) error {
	if _, err := p.NewSection(typ, name); err != nil {
		return err
	}
	for _, o := range opts {
		var err error
		if o.list {
			err = p.SetList(name, o.name, o.values)
		} else {
			v := ""
			if len(o.values) > 0 {
				v = o.values[0]
			}
			err = p.SetOption(name, o.name, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// drop removes section name if it exists.
func drop(p *uci.Package, name string) error {
	if p.Section(name) == nil {
		return nil
	}
	return p.DeleteSection(name)
}

func get(s *uci.Section, name string) string {
	if s == nil {
		return ""
	}
	v, _ := s.Get(name)
	return v
}

// listOf returns a list option's items, also splitting a space-separated
// plain option as netifd does for `addresses` and `allowed_ips`.
func listOf(s *uci.Section, name string) []string {
	o := s.Option(name)
	if o == nil {
		return nil
	}
	if o.IsList {
		return append([]string(nil), o.Values...)
	}
	return strings.Fields(o.Values[0])
}

func truthy(v string) bool {
	switch v {
	case "1", "on", "true", "yes", "enabled":
		return true
	}
	return false
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
