package plan

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// stockState is the bundled stock OpenWrt 24.10 configuration.
func stockState(t testing.TB) State {
	t.Helper()
	load := func(name string) *uci.Package {
		b, err := os.ReadFile("../cli/testdata/wg/roots/stock/etc/config/" + name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := uci.Parse(name, b)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w, _ := uci.Parse(wg.PkgWgowrt, nil)
	return State{Network: load("network"), Firewall: load("firewall"), Wgowrt: w}
}

// sections renders every section of st as "pkg.name" -> its type and
// options, to compare before and after.
func sections(st State) map[string]string {
	out := map[string]string{}
	for _, p := range []*uci.Package{st.Network, st.Firewall, st.Wgowrt} {
		for _, s := range p.Sections {
			var opts []string
			for _, o := range s.Options {
				opts = append(opts, o.Name+"="+strings.Join(o.Values, ","))
			}
			sort.Strings(opts)
			out[p.Name+"."+s.Name] = s.Type + " " + strings.Join(opts, " ")
		}
	}
	return out
}

// setupPeer runs every command that creates sections for a server and a
// peer: server init with all its firewall roles, peer add with a route,
// a per-peer strategy, a site named site-<peer> and two port forwards. A refusal ends the setup
// (the name is not usable, which is fine).
// Interface i gets subnet 10.60+i.0.0/24; peer p route 172.16+i.p.0/24;
// the forwards listen on 8000+slot.
func setupPeer(st State, iface string, i int, peer string, p, slot int) (State, error) {
	t, f := true, false
	r, err := ServerInit(st, ServerIntent{Iface: iface, LanAccess: wg.AccessMasquerade, Internet: &t, ClientToClient: &f,
		Subnet4: fmt.Sprintf("10.%d.0.0/24", 60+i), IPv6: "off", Port: 51820 + i, PrivateKey: testKey(100 + i)})
	if err != nil {
		return st, err
	}
	pr, err := PeerAdd(r.State, PeerIntent{Iface: iface, Name: peer, NewPrivateKey: testKey(200 + 20*i + p), Routes: []string{fmt.Sprintf("172.%d.%d.0/24", 16+i, p)}})
	if err != nil {
		return st, err
	}
	ar, err := PeerAccess(pr.State, AccessIntent{Iface: iface, Peer: peer, Strategy: wg.AccessRouted})
	if err != nil {
		return st, err
	}
	sr, err := SiteAdd(ar.State, SiteIntent{Iface: iface, Name: "site-" + peer, PublicKey: testKey(1000 + 20*i + p).PublicKey(),
		Remote: []string{fmt.Sprintf("172.%d.%d.0/24", 24+i, p)}})
	if err != nil {
		return st, err
	}
	cur := sr.State
	for _, on := range []string{"lan", "wan"} {
		er, err := Expose(cur, ExposeIntent{Iface: iface, Peer: peer, On: on, Port: PortSpec{Listen: 8000 + slot, Target: 80, Proto: "tcp"}})
		if err != nil {
			return st, err
		}
		cur = er.State
	}
	return cur, nil
}

func testKey(n int) wg.Key {
	var b [wg.KeyLen]byte
	b[1], b[2] = byte(n), byte(n>>8)
	return wg.NewPrivateKey(b)
}

// TestNamesDoNotNest enumerates interface and peer names pairwise: what
// one (interface, peer) pair creates is never rewritten by setting up
// another pair, nor deleted when the other peer is removed. Names are
// chosen so that one is the other's prefix plus a role suffix
// (wg0_from: wgowrt_wg0_from_lan; peer x_fwd_a: wgowrt_wg0_x_fwd_...).
func TestNamesDoNotNest(t *testing.T) {
	ifaces := []string{"wg0", "wg0_from", "wg0_x_fwd", "wg0_x", "wg", "wg0x", "wg_0"}
	peers := []string{"x", "x_fwd", "x_fwd_lan_8001_tcp", "x_p2s_in", "from", "from_lan", "lan", "zone", "sites", "dns", "site_x", "0_x", "a-b", "a_b"}
	type pair struct {
		iface, peer string
		i, p        int
	}
	var pairs []pair
	for i, in := range ifaces {
		for p, pn := range peers {
			pairs = append(pairs, pair{in, pn, i, p})
		}
	}
	base := stockState(t)
	set := 0
	for ai, a := range pairs {
		first, err := setupPeer(base, a.iface, a.i, a.peer, a.p, 1)
		if err != nil {
			continue
		}
		before := sections(first)
		for bi, b := range pairs {
			if ai == bi {
				continue
			}
			second, err := setupPeer(first, b.iface, b.i, b.peer, b.p, 2)
			if err != nil {
				continue
			}
			set++
			if msg := changed(before, sections(second)); msg != "" {
				t.Errorf("setting up %s/%s after %s/%s: %s", b.iface, b.peer, a.iface, a.peer, msg)
				continue
			}
			rm, err := PeerRemove(second, b.iface, b.peer)
			if err == nil {
				rm, err = SiteRemove(rm.State, b.iface, "site-"+b.peer)
			}
			if err != nil {
				t.Errorf("removing %s/%s: %v", b.iface, b.peer, err)
				continue
			}
			if msg := changed(before, sections(rm.State)); msg != "" {
				t.Errorf("removing %s/%s after setting up %s/%s: %s", b.iface, b.peer, a.iface, a.peer, msg)
			}
		}
	}
	// 3 usable interfaces with 14 peers, minus the pairs refused as
	// clashing on one interface: a-b and a_b, site_x and x's site site-x,
	// and x_fwd_lan_8001_tcp's and x_p2s_in's sites after site_x (their
	// names are site_x's forward and strategy sections): 6 per interface.
	if want := 42*41 - 18; set < want {
		t.Errorf("only %d pairs were set up, want at least %d", set, want)
	}
}

// changed names a section of before that is gone or different in after;
// the peer count of the shared vpn zone and the hub rule may change.
func changed(before, after map[string]string) string {
	var keys []string
	for k := range before {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		got, ok := after[k]
		switch {
		case !ok:
			return k + " deleted"
		case got != before[k]:
			return fmt.Sprintf("%s rewritten: %s -> %s", k, before[k], got)
		}
	}
	return ""
}

func TestServerNamesRefused(t *testing.T) {
	for _, name := range []string{"wg0_from", "wg_0", "wg-0"} {
		if _, err := ServerInit(stockState(t), ServerIntent{Iface: name, PrivateKey: testKey(1)}); err == nil {
			t.Errorf("server init --iface %s accepted", name)
		}
	}
	for _, name := range []string{"-x", "-", "--route"} {
		if err := wg.ValidatePeerName(name); err == nil {
			t.Errorf("peer name %q accepted", name)
		}
	}
}
