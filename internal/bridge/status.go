package bridge

import (
	"encoding/json"
	"fmt"
	"math"
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
}

// rpcdIface is one interface of `status --json` plus what the overview
// shows next to it. Total is the number of its peers when the answer is
// paged (Peers then holds one page of them).
type rpcdIface struct {
	ops.IfaceStatus
	Role      string   `json:"role"`
	Addresses []string `json:"addresses"`
	Disabled  bool     `json:"disabled"`
	Total     *int     `json:"total,omitempty"`
}

type ifaceArgs struct {
	Iface string `json:"iface"`
}

// pagedArgs are the arguments of status and peers: offset and limit
// page the peers (of each interface), so that a server with thousands of
// peers is shown in answers that fit rpcd's buffer (about 250 dual-stack
// peers a page leave ample room); without them every peer is answered,
// as before paging existed.
type pagedArgs struct {
	Iface  string   `json:"iface"`
	Offset rpcd.Int `json:"offset"`
	Limit  rpcd.Int `json:"limit"`
}

var pagedSignature = map[string]any{"iface": "", "offset": 32, "limit": 32}

// page is a window of a peer list; on is false when not asked for.
type page struct {
	on            bool
	offset, limit int
}

func (a pagedArgs) page() (page, error) {
	p := page{on: a.Offset.Set || a.Limit.Set, offset: a.Offset.Value, limit: a.Limit.Value}
	if p.offset < 0 {
		return p, rpcd.Errorf("offset", fmt.Sprint(p.offset), "offset %d is negative; the first peer is at 0", p.offset)
	}
	if !a.Limit.Set {
		p.limit = math.MaxInt
	} else if p.limit < 1 {
		return p, rpcd.Errorf("limit", fmt.Sprint(p.limit), "limit %d asks for no peers; give 1 or more (e.g. 250)", p.limit)
	}
	return p, nil
}

// window returns the bounds of the page in a list of n.
func (p page) window(n int) (lo, hi int) {
	lo = min(p.offset, n)
	return lo, lo + min(p.limit, n-lo)
}

func (b *bridge) status(args json.RawMessage) (any, error) {
	var a pagedArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	pg, err := a.page()
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
			out.Interfaces = append(out.Interfaces, paged(withRole(st, is), pg))
		}
	}
	return out, nil
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

// paged cuts an interface's peers to the page asked for.
func paged(ri rpcdIface, pg page) rpcdIface {
	if !pg.on {
		return ri
	}
	n := len(ri.Peers)
	lo, hi := pg.window(n)
	ri.Peers, ri.Total = ri.Peers[lo:hi], &n
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
	var a pagedArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	pg, err := a.page()
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
	all := plan.ReadPeers(st, iface)
	lo, hi := pg.window(len(all))
	out := []ops.PeerView{}
	for _, p := range all[lo:hi] {
		out = append(out, ops.ViewPeer(p))
	}
	ans := map[string]any{"version": 1, "iface": iface, "peers": out}
	if pg.on {
		ans["total"], ans["offset"] = len(all), lo
	}
	return ans, nil
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
