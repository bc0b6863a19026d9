package system

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/ubus"
	"github.com/wgowrt/wgowrt/uci"
)

// LiveSource is where the live facts come from. A nil Ubus means there is
// no running router to ask (--root): only the files and the environment
// count.
type LiveSource struct {
	Ubus ubus.Caller
	// Links lists the network devices (net.Interfaces on a router).
	Links func() ([]net.Interface, error)
	// Getenv reads the environment ($SSH_CLIENT).
	Getenv func(string) string
	// Load reads a UCI package, empty when it does not exist.
	Load func(name string) (*uci.Package, error)
}

// GatherLive collects plan.Live. It never fails: what cannot be read is
// left out, and an unreachable netifd is reported in Unavailable.
func GatherLive(src LiveSource) plan.Live {
	var l plan.Live
	if src.Getenv != nil {
		l.Admin = AdminAddr(src.Getenv)
	}
	if src.Load != nil {
		db, _ := src.Load("dropbear")
		uh, _ := src.Load("uhttpd")
		l.Services = plan.RouterServices(db, uh)
	}
	if src.Ubus == nil {
		return l
	}
	l.Known = true
	ifs, err := ubus.InterfaceDump(src.Ubus)
	if err != nil {
		l.Unavailable = err.Error()
	}
	l.Addrs = liveAddrs(ifs)
	if src.Links != nil {
		links, _ := src.Links()
		for _, n := range links {
			l.Links = append(l.Links, n.Name)
		}
	}
	return l
}

func liveAddrs(ifs []ubus.Interface) []plan.LiveAddr {
	var out []plan.LiveAddr
	for _, i := range ifs {
		groups := []struct {
			kind  string
			addrs []ubus.Address
		}{{plan.LiveAddress, i.IPv4}, {plan.LiveAddress, i.IPv6}, {plan.LiveDelegated, i.Prefixes}, {plan.LiveAssigned, i.Assigned}}
		for _, g := range groups {
			for _, a := range g.addrs {
				if p, ok := a.Prefix(); ok {
					out = append(out, plan.LiveAddr{Iface: i.Name, Kind: g.kind, Prefix: p})
				}
			}
		}
		for _, r := range i.Routes {
			if p, ok := r.Prefix(); ok {
				out = append(out, plan.LiveAddr{Iface: i.Name, Kind: plan.LiveRoute, Prefix: p})
			}
		}
	}
	return out
}

// Resolve looks a host name up as wg(8) does for an endpoint (the first
// address the resolver gives), with a timeout so that a dead resolver
// cannot hang a command whose configuration is already committed.
func Resolve(host string) (netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, err
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("no address for %s", host)
	}
	return addrs[0], nil
}

// AdminAddr is the address of the SSH client this process runs under:
// the first field of $SSH_CLIENT ("203.0.113.5 51234 22") or of
// $SSH_CONNECTION; invalid when neither is set.
func AdminAddr(getenv func(string) string) netip.Addr {
	for _, v := range []string{"SSH_CLIENT", "SSH_CONNECTION"} {
		f := strings.Fields(getenv(v))
		if len(f) == 0 {
			continue
		}
		if a, err := netip.ParseAddr(f[0]); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}
