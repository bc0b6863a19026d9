package plan

import (
	"net/netip"
	"strings"
	"testing"
)

func TestServerInitRefusesLiveLinks(t *testing.T) {
	st := stockState(t)
	st.Live = Live{Known: true, Links: []string{"lo", "eth0", "lan1"}}
	_, err := ServerInit(st, ServerIntent{Iface: "lan1", PrivateKey: testKey(1)})
	if err == nil || !strings.Contains(err.Error(), "a link on the running router") {
		t.Errorf("server init --iface lan1 with a live lan1: %v", err)
	}
	if _, err := ServerInit(st, ServerIntent{Iface: "wg0", PrivateKey: testKey(1)}); err != nil {
		t.Errorf("wg0 is free: %v", err)
	}
}

func liveServer(t *testing.T, live Live) State {
	t.Helper()
	r, err := ServerInit(stockState(t), ServerIntent{Iface: "wg0", PrivateKey: testKey(1), Subnet4: "10.8.0.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	r.State.Live = live
	return r.State
}

// A /64 of the delegated prefix may go to a peer; the /64 a LAN uses and
// the wan's own subnet may not.
func TestPeerRoutesAgainstLiveAddresses(t *testing.T) {
	st := liveServer(t, Live{Known: true, Addrs: []LiveAddr{
		{Iface: "wan", Kind: LiveAddress, Prefix: netip.MustParsePrefix("100.64.3.7/22")},
		{Iface: "wan", Kind: LiveRoute, Prefix: netip.MustParsePrefix("0.0.0.0/0")},
		{Iface: "wan6", Kind: LiveDelegated, Prefix: netip.MustParsePrefix("2001:db8:1200::/56")},
		{Iface: "lan", Kind: LiveAssigned, Prefix: netip.MustParsePrefix("2001:db8:1200:10::/64")},
	}})
	for route, ok := range map[string]bool{"2001:db8:1200:20::/64": true, "2001:db8:1200:10::/64": false, "100.64.2.0/24": false, "100.65.0.0/24": true} {
		_, err := PeerAdd(st, PeerIntent{Iface: "wg0", Name: "spoke", NewPrivateKey: testKey(2), Routes: []string{route}})
		if (err == nil) != ok {
			t.Errorf("--route %s: %v, want ok=%v", route, err, ok)
		}
	}
}

// The site's own routes are up on wg0: re-adding it must not clash with
// itself.
func TestSiteReAddIgnoresItsOwnLiveRoutes(t *testing.T) {
	st := liveServer(t, Live{})
	in := SiteIntent{Iface: "wg0", Name: "branch", PublicKey: testKey(500).PublicKey(), Remote: []string{"192.168.7.0/24"}}
	r, err := SiteAdd(st, in)
	if err != nil {
		t.Fatal(err)
	}
	r.State.Live = Live{Known: true, Addrs: []LiveAddr{{Iface: "wg0", Kind: LiveRoute, Prefix: netip.MustParsePrefix("192.168.7.0/24")}}}
	if _, err := SiteAdd(r.State, in); err != nil {
		t.Errorf("re-adding the site: %v", err)
	}
	r.State.Live.Addrs[0].Iface = "wg1"
	if _, err := SiteAdd(r.State, in); err == nil {
		t.Errorf("a route of another interface overlapping the site was not refused")
	}
}

func TestUnavailableLiveIsSaid(t *testing.T) {
	st := liveServer(t, Live{Known: true, Unavailable: "ubus call network.interface dump: Command failed"})
	r, err := PeerAdd(st, PeerIntent{Iface: "wg0", Name: "spoke", NewPrivateKey: testKey(2), Routes: []string{"192.168.50.0/24"}})
	if err != nil || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "only /etc/config was checked") {
		t.Errorf("%v %v", r, err)
	}
}

func TestServerInitSaysWhenNetifdCannotBeAsked(t *testing.T) {
	st := stockState(t)
	st.Live = Live{Known: true, Unavailable: "ubus call network.interface dump: Command failed"}
	r, err := ServerInit(st, ServerIntent{Iface: "wg0", PrivateKey: testKey(1), Endpoint: nil})
	if err != nil || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "only /etc/config was checked") {
		t.Errorf("%v %v", r, err)
	}
}
