package ops

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/ubus"
)

// TestMissingRoutes: a site's subnets (IPv4 and IPv6) the kernel routes
// elsewhere are missing (up to 24.10 at once; from 25.12 only once the wait for the
// renew's routes is over), one routed into wg0 is not, a phone's /32
// without route_allowed_ips is never asked about, nor a family wg0 routes
// through a table of its own (ip6table); wg0 down or no running router:
// none. Ifup is /sbin/ifup's three calls.
func TestMissingRoutes(t *testing.T) {
	o := testOps(t)
	if _, err := o.PeerAdd(peerAdd("phone")); err != nil {
		t.Fatal(err)
	}
	site, _ := wg.ParseKey("a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	if _, err := o.SiteAdd(SiteAdd{Intent: plan.SiteIntent{Name: "office", PublicKey: site, Remote: []string{"10.20.0.0/24", "fd00:20::/64"}}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dump := func(up bool) {
		os.WriteFile(filepath.Join(dir, "network.interface~dump.json"), []byte(fmt.Sprintf(`{"interface": [{"interface": "wg0", "up": %v}]}`, up)), 0o644)
	}
	dump(true)
	fake := &ubus.Fake{Dir: dir}
	rel := system.Release{Major: 24, Minor: 10}
	o.Deps.Live = func(string) *Live { return &Live{Ubus: fake, Release: rel} }
	routes := map[netip.Addr]string{}
	var asked []string
	o.Deps.Probes.RouteDev = func(a netip.Addr) string {
		asked = append(asked, a.String())
		if d, ok := routes[a]; ok {
			return d
		}
		return "veth-wan"
	}
	office, office6 := netip.MustParsePrefix("10.20.0.0/24"), netip.MustParsePrefix("fd00:20::/64")
	check := func(want []netip.Prefix) {
		t.Helper()
		got, err := o.MissingRoutes("wg0", 400*time.Millisecond)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("MissingRoutes = %v, %v; want %v", got, err, want)
		}
	}
	check([]netip.Prefix{office, office6})
	if strings.Join(asked, " ") != "10.20.0.1 fd00:20::1" {
		t.Errorf("asked the kernel about %v, want only the site's subnets", asked)
	}
	start := time.Now()
	rel = system.Release{Major: 25, Minor: 12}
	check([]netip.Prefix{office, office6})
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("from 25.12 it gave up after %v, before the settle time", d)
	}
	routes[netip.MustParseAddr("10.20.0.1")] = "wg0"
	check([]netip.Prefix{office6})
	routes[netip.MustParseAddr("fd00:20::1")] = "wg0"
	check(nil)
	delete(routes, netip.MustParseAddr("10.20.0.1"))
	delete(routes, netip.MustParseAddr("fd00:20::1"))
	setTable(t, o, "wg0", "ip6table", "200")
	rel, asked = system.Release{Major: 24, Minor: 10}, nil
	check([]netip.Prefix{office})
	if strings.Join(asked, " ") != "10.20.0.1" {
		t.Errorf("with ip6table, asked the kernel about %v, want only the IPv4 subnet", asked)
	}
	dump(false)
	check(nil)
	if err := o.Ifup("wg0"); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if got := strings.Join(calls[len(calls)-3:], "; "); got != `network reload {}; network.interface down {"interface":"wg0"}; network.interface up {"interface":"wg0"}` {
		t.Errorf("ifup calls: %s", got)
	}
	o.Deps.Live = func(string) *Live { return nil }
	check(nil)
}

// setTable sets option key of interface iface in the network file on disk,
// as a user's hand edit would.
func setTable(t *testing.T, o *Ops, iface, key, value string) {
	t.Helper()
	p := filepath.Join(o.Root, "etc/config/network")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	head := "config interface '" + iface + "'\n"
	if !strings.Contains(string(b), head) {
		t.Fatalf("no interface %s in %s", iface, p)
	}
	s := strings.Replace(string(b), head, head+"\toption "+key+" '"+value+"'\n", 1)
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
