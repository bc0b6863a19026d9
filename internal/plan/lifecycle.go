package plan

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// PeerRemove plans `peer remove`: the peer section and wgowrt's settings
// for it go. Removing a peer that is not there changes nothing.
func PeerRemove(cur State, iface, name string) (*Result, error) {
	if _, err := ReadServer(cur, iface); err != nil {
		return nil, err
	}
	r := &Result{State: cur.clone()}
	if _, ok := FindPeer(cur, iface, name); !ok {
		r.notef("no peer %s on %s: nothing to remove", name, iface)
		return r, nil
	}
	p, err := findOwnedPeer(cur, iface, name)
	if err != nil {
		return nil, err
	}
	if err := drop(r.State.Network, p.Section); err != nil {
		return nil, err
	}
	if err := drop(r.State.Wgowrt, p.Section); err != nil {
		return nil, err
	}
	// The peer's access rules and port forwards match its address, which
	// the next peer may get.
	return r, DropPeerExtras(r, iface, p.Section)
}

// PeerSetDisabled plans `peer disable` (true) and `peer enable` (false).
// A peer the supervisor disabled because it expired is not enabled: it
// needs a new expiry (peer set --expires).
func PeerSetDisabled(cur State, iface, name string, disabled bool) (*Result, error) {
	if _, err := ReadServer(cur, iface); err != nil {
		return nil, err
	}
	p, err := findOwnedPeer(cur, iface, name)
	if err != nil {
		return nil, err
	}
	if !disabled && p.Expired != "" {
		return nil, &ExpiredError{Iface: iface, Name: p.Name, Expires: p.Expires}
	}
	r := &Result{State: cur.clone()}
	v := ""
	if disabled {
		v = "1"
	}
	return r, r.State.Network.SetOption(p.Section, "disabled", v)
}

// PeerRename plans `peer rename OLD NEW`: both sections are renamed and
// the description follows, so LuCI shows the new name too.
func PeerRename(cur State, iface, old, name string) (*Result, error) {
	if err := wg.ValidatePeerName(name); err != nil {
		return nil, err
	}
	if _, err := ReadServer(cur, iface); err != nil {
		return nil, err
	}
	r := &Result{State: cur.clone()}
	if old == name {
		_, err := findOwnedPeer(cur, iface, old)
		return r, err
	}
	p, err := findOwnedPeer(cur, iface, old)
	if err != nil {
		if q, ok := FindPeer(cur, iface, name); ok && q.Owned {
			r.notef("peer %s is already called %s: nothing changed", old, name)
			return r, nil
		}
		return nil, err
	}
	if _, ok := FindPeer(cur, iface, name); ok {
		return nil, fmt.Errorf("a peer called %q already exists on %s; choose another name", name, iface)
	}
	sec := wg.PeerSection(iface, name)
	if err := renameSection(r.State.Network, p.Section, sec); err != nil {
		return nil, err
	}
	if err := r.State.Network.SetOption(sec, "description", name); err != nil {
		return nil, err
	}
	if r.State.Wgowrt.Section(p.Section) != nil {
		if err := renameSection(r.State.Wgowrt, p.Section, sec); err != nil {
			return nil, err
		}
	}
	return r, renamePeerExtras(r, p.Section, sec, p.Name, name)
}

func renameSection(p *uci.Package, from, to string) error {
	if from == to {
		return nil
	}
	if p.Section(to) != nil {
		return fmt.Errorf("section %s.%s already exists; choose another name", p.Name, to)
	}
	return p.Rename(uci.Ptr{Package: p.Name, Section: from, Value: to, HasValue: true})
}
