package bridge

import (
	"encoding/json"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// Interface roles in the status answer.
const (
	roleServer = "server"
	roleClient = "client"
	// roleOther is a WireGuard interface wgowrt did not create.
	roleOther = "other"
)

// rpcdStatus is the status answer: `status --json` (version 1) with each
// interface's role and configured addresses, and a warning instead of a
// failure when the devices cannot be read (the configured side is still
// worth showing).
type rpcdStatus struct {
	Version    int               `json:"version"`
	Interfaces []rpcdIface       `json:"interfaces"`
	Warning    string            `json:"warning,omitempty"`
	Servers    []string          `json:"servers"`
	Roles      map[string]string `json:"roles"`
	paging
}

// rpcdIface is one interface of `status --json` plus what the overview
// shows next to it.
type rpcdIface struct {
	ops.IfaceStatus
	Role      string   `json:"role"`
	Addresses []string `json:"addresses"`
	Disabled  bool     `json:"disabled"`
}

type ifaceArgs struct {
	Iface string `json:"iface"`
}

func (b *bridge) status(args json.RawMessage) (any, error) {
	a, txn, pg, err := decodePaged(args)
	if err != nil {
		return nil, err
	}
	res, err := b.ops.Status(txn.Session)
	if err != nil {
		return nil, err
	}
	st := res.State
	out := rpcdStatus{Version: 1, Interfaces: []rpcdIface{}, Servers: plan.Servers(st), Roles: map[string]string{}}
	if out.Servers == nil {
		out.Servers = []string{}
	}
	if res.OpenErr != nil {
		out.Warning = "cannot reach WireGuard devices: " + res.OpenErr.Error()
	} else if res.ListErr != nil {
		out.Warning = "listing WireGuard devices: " + res.ListErr.Error()
	}
	for _, is := range res.Interfaces {
		out.Roles[is.Name] = roleOf(st, is.Name)
		if a.Iface == "" || is.Name == a.Iface {
			out.Interfaces = append(out.Interfaces, withRole(st, is))
		}
	}
	return fitted(pg, func(pg page) any { return out.page(pg) }), nil
}

// page is the answer with the peers of the interfaces, taken in order as
// one list, cut to pg (every interface stays, with the peers of the page).
func (out rpcdStatus) page(pg page) rpcdStatus {
	if !pg.on {
		return out
	}
	n := 0
	for _, i := range out.Interfaces {
		n += len(i.Peers)
	}
	lo, hi := pg.window(n)
	out.paging = paging{Total: &n, Offset: &lo}
	ifs, at := make([]rpcdIface, len(out.Interfaces)), 0
	for k, i := range out.Interfaces {
		from, to := min(max(lo-at, 0), len(i.Peers)), min(max(hi-at, 0), len(i.Peers))
		at += len(i.Peers)
		i.Peers = i.Peers[from:to]
		ifs[k] = i
	}
	out.Interfaces = ifs
	return out
}

func withRole(st plan.State, is ops.IfaceStatus) rpcdIface {
	ri := rpcdIface{IfaceStatus: is, Role: roleOf(st, is.Name), Addresses: []string{}}
	if sec := st.Network.Section(is.Name); sec != nil {
		if o := sec.Option("addresses"); o != nil {
			for _, v := range o.Values {
				ri.Addresses = append(ri.Addresses, strings.Fields(v)...)
			}
		}
		v, _ := sec.Get("disabled")
		ri.Disabled = v == "1"
	}
	return ri
}

// roleOf says what wgowrt made of iface.
func roleOf(st plan.State, iface string) string {
	if m := st.Wgowrt.Section(iface); m != nil {
		switch m.Type {
		case wg.TypeServer:
			return roleServer
		case plan.TypeClient:
			return roleClient
		}
	}
	return roleOther
}

func (b *bridge) peers(args json.RawMessage) (any, error) {
	a, txn, pg, err := decodePaged(args)
	if err != nil {
		return nil, err
	}
	st, iface, err := b.ops.Read(txn.Session, a.Iface)
	if err != nil {
		return nil, err
	}
	if _, err := plan.ReadServer(st, iface); err != nil {
		return nil, rpcd.Errorf("iface", iface, "%v", err)
	}
	all := []ops.PeerView{}
	for _, p := range plan.ReadPeers(st, iface) {
		all = append(all, ops.ViewPeer(p))
	}
	held, _ := b.ops.HeldEndpoints() // unreadable: none shown held, as in status
	ops.MarkHeld(all, held)
	markSites(st, iface, all)
	return fitted(pg, func(pg page) any {
		ans := peersAnswer{Version: 1, Iface: iface, Peers: all}
		if pg.on {
			n := len(all)
			lo, hi := pg.window(n)
			ans.Peers, ans.paging = all[lo:hi], paging{Total: &n, Offset: &lo}
		}
		return ans
	}), nil
}

// peersAnswer is the peers answer: `peer list --json`, maybe a page.
type peersAnswer struct {
	Version int            `json:"version"`
	Iface   string         `json:"iface"`
	Peers   []ops.PeerView `json:"peers"`
	paging
}

func (b *bridge) nextAddress(args json.RawMessage) (any, error) {
	var a ifaceArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	iface, addrs, err := b.ops.NextAddresses(txn.Session, a.Iface)
	if err != nil {
		if iface == "" {
			return nil, err
		}
		return nil, rpcd.Errorf("iface", iface, "%v", err)
	}
	out := []string{}
	for _, p := range addrs {
		out = append(out, p.String())
	}
	return map[string]any{"iface": iface, "addresses": out}, nil
}
