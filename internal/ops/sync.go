package ops

import (
	"errors"
	"fmt"
	"os"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/uci"
)

// `sync` makes every running WireGuard device carry the peers its
// committed UCI configuration lists, with the same diff as `peer add`:
// new and changed peers upserted, vanished ones removed, the sessions of
// the others untouched. netifd does not do this on `network reload` (peer
// sections are not among the handler's parameters), so LuCI's Save & Apply
// of a peer would otherwise wait for the next `ifup`. The luci-app's procd
// service runs it on every network config change.

// SyncIface is what sync did to one interface.
type SyncIface struct {
	Name string
	// Applied are notes from applying the peer diff.
	Applied []string
	// Note explains an interface left alone.
	Note string
	Err  error
}

// Sync pushes the committed peers of every enabled WireGuard interface
// (only iface when set) into the running devices. Per-interface failures
// are in the result; the error is for failing to start at all.
func (o *Ops) Sync(iface string) ([]SyncIface, error) {
	s, unlock, err := o.begin(true, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ctx := &uci.Context{ConfDir: s.ConfDir, OverrideDir: s.OverrideDir}
	n, err := ctx.LoadFile(wg.PkgNetwork)
	if err != nil {
		return nil, fmt.Errorf("reading the network config: %v", err)
	}
	cl, err := o.Deps.Devices()
	if err != nil {
		return nil, fmt.Errorf("cannot reach WireGuard devices (%v); run as root on the router", err)
	}
	defer cl.Close()
	var out []SyncIface
	for _, name := range syncTargets(n, iface) {
		out = append(out, o.syncIface(cl, n, name))
	}
	return out, nil
}

// syncTargets are the enabled WireGuard interfaces of n.
func syncTargets(n *uci.Package, only string) []string {
	var out []string
	for _, s := range n.SectionsOfType("interface") {
		proto, _ := s.Get("proto")
		disabled, _ := s.Get("disabled")
		if proto == "wireguard" && disabled != "1" && (only == "" || s.Name == only) {
			out = append(out, s.Name)
		}
	}
	return out
}

// syncIface applies the peer diff of one interface. A device that is
// missing, or whose key or port differs from UCI, is netifd's to
// (re)create from the same configuration; pushing peers into it then
// would race with netifd.
func (o *Ops) syncIface(cl wgdev.Client, n *uci.Package, iface string) SyncIface {
	r := SyncIface{Name: iface}
	dev, err := cl.Device(iface)
	if errors.Is(err, os.ErrNotExist) {
		return r
	}
	if err != nil {
		r.Err = fmt.Errorf("reading the device: %v", err)
		return r
	}
	if !sameInterface(n.Section(iface), dev) {
		r.Note = iface + " is being set up again by netifd: peers left to it"
		return r
	}
	diff := system.Diff(system.DesiredPeers(n, iface), dev)
	if len(diff) == 0 {
		return r
	}
	ch := system.Change{Iface: iface, Peers: true, Routes: routedChange(n, iface, diff), Network: n}
	a := &system.Applier{Dev: cl, Release: system.DetectRelease(o.Path("/"))}
	if ls := o.live(); ls != nil {
		a.Ubus = ls.Ubus
	} else {
		ch.Routes = false
	}
	r.Applied, r.Err = a.Apply(ch)
	return r
}

// sameInterface reports whether dev runs with the private key and listen
// port UCI gives iface.
func sameInterface(sec *uci.Section, dev *wgtypes.Device) bool {
	if sec == nil {
		return false
	}
	pk, _ := sec.Get("private_key")
	k, err := wg.ParseKey(pk)
	if err != nil || wgtypes.Key(k) != dev.PrivateKey {
		return false
	}
	if p, ok := sec.Get("listen_port"); ok && p != fmt.Sprint(dev.ListenPort) {
		return false
	}
	return true
}

// routedChange reports whether an upserted peer asks netifd for routes.
func routedChange(n *uci.Package, iface string, diff []wgtypes.PeerConfig) bool {
	routed := map[string]bool{}
	for _, s := range n.SectionsOfType(wg.PeerType(iface)) {
		if v, _ := s.Get("route_allowed_ips"); v == "1" {
			pk, _ := s.Get("public_key")
			routed[pk] = true
		}
	}
	for _, d := range diff {
		if !d.Remove && routed[d.PublicKey.String()] {
			return true
		}
	}
	return false
}
