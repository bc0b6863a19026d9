package system

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/uci"
)

func TestParseRelease(t *testing.T) {
	for in, want := range map[string]bool{
		"DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='24.10.2'\n": false,
		"DISTRIB_RELEASE='25.12.0-rc1'\n":                   true,
		"DISTRIB_RELEASE='23.05.5'\n":                       false,
		"DISTRIB_RELEASE='SNAPSHOT'\n":                      false,
		"DISTRIB_RELEASE=\"26.06.1\"\n":                     true,
	} {
		if got := ParseRelease([]byte(in)).RenewAppliesPeers(); got != want {
			t.Errorf("%q: RenewAppliesPeers = %v, want %v", in, got, want)
		}
	}
}

const net0 = `
config interface 'wg0'
	option proto 'wireguard'

config wireguard_wg0 'a'
	option public_key 'a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw='
	list allowed_ips '10.8.0.2'
	option persistent_keepalive '25'

config wireguard_wg0 'b'
	option public_key '98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU='
	list allowed_ips '10.8.0.3/32 192.168.50.0/24'
	option endpoint_host '198.51.100.9'

config wireguard_wg0 'off'
	option public_key '1EAhjLTshKqu5k/ROvjeXaPm8Bx2XoOLZLRz2jqfImw='
	option disabled '1'

config wireguard_wg0 'broken'
	option public_key 'nope'
`

func key(s string) wgtypes.Key { k, _ := wgtypes.ParseKey(s); return k }

func cidr(s string) net.IPNet { _, n, _ := net.ParseCIDR(s); return *n }

func TestDesiredPeersReadsLikeTheHandler(t *testing.T) {
	p, err := uci.Parse("network", []byte(net0))
	if err != nil {
		t.Fatal(err)
	}
	d := DesiredPeers(p, "wg0")
	if len(d) != 2 {
		t.Fatalf("%d peers, want 2 (disabled and keyless skipped)", len(d))
	}
	if *d[0].PersistentKeepaliveInterval != 25*time.Second || len(d[0].AllowedIPs) != 1 || d[0].AllowedIPs[0].String() != "10.8.0.2/32" {
		t.Errorf("peer a: %+v", d[0])
	}
	if len(d[1].AllowedIPs) != 2 || d[1].Endpoint == nil || d[1].Endpoint.String() != "198.51.100.9:51820" {
		t.Errorf("peer b: %+v (space-separated allowed_ips and default port)", d[1])
	}
}

func TestDiffIsSyncconf(t *testing.T) {
	p, _ := uci.Parse("network", []byte(net0))
	desired := DesiredPeers(p, "wg0")
	roaming := &net.UDPAddr{IP: net.ParseIP("203.0.113.50"), Port: 40000}
	dev := &wgtypes.Device{Peers: []wgtypes.Peer{
		// a: unchanged, with a session and a learned endpoint.
		{PublicKey: key("a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw="), AllowedIPs: []net.IPNet{cidr("10.8.0.2/32")}, PersistentKeepaliveInterval: 25 * time.Second, Endpoint: roaming},
		// b: allowed IPs changed.
		{PublicKey: key("98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU="), AllowedIPs: []net.IPNet{cidr("10.8.0.3/32")}, Endpoint: roaming},
		// off: disabled in UCI.
		{PublicKey: key("1EAhjLTshKqu5k/ROvjeXaPm8Bx2XoOLZLRz2jqfImw=")},
	}}
	diff := Diff(desired, dev)
	if len(diff) != 2 {
		t.Fatalf("diff %+v: want b updated and off removed, a untouched", diff)
	}
	if diff[0].PublicKey != dev.Peers[1].PublicKey || !diff[0].ReplaceAllowedIPs || diff[0].Endpoint != nil {
		t.Errorf("b: %+v (want ReplaceAllowedIPs, endpoint left to roaming)", diff[0])
	}
	if diff[1].PublicKey != dev.Peers[2].PublicKey || !diff[1].Remove {
		t.Errorf("off: %+v, want Remove", diff[1])
	}
	if again := Diff(desired, &wgtypes.Device{Peers: append(dev.Peers[:1:1], wgtypes.Peer{PublicKey: dev.Peers[1].PublicKey,
		AllowedIPs: []net.IPNet{cidr("192.168.50.0/24"), cidr("10.8.0.3/32")}, Endpoint: roaming})}); len(again) != 0 {
		t.Errorf("in sync (allowed IPs in another order) but diff %+v", again)
	}
}

const netHost = `
config interface 'wg0'
	option proto 'wireguard'

config wireguard_wg0 'site'
	option public_key 'a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw='
	list allowed_ips '192.168.7.0/24'
	option endpoint_host 'branch.example.net'
	option endpoint_port '51821'
`

// A site added with a host-name endpoint is pushed with the resolved
// address, so its tunnel starts now rather than at the next ifup.
func TestPushResolvesHostNameEndpoints(t *testing.T) {
	n, _ := uci.Parse("network", []byte(netHost))
	for _, c := range []struct {
		name    string
		resolve func(string) (netip.Addr, error)
		want    string
		note    string
	}{
		{"resolved", func(h string) (netip.Addr, error) {
			if h != "branch.example.net" {
				t.Errorf("resolved %q", h)
			}
			return netip.MustParseAddr("198.51.100.70"), nil
		}, "198.51.100.70:51821", ""},
		{"fails", func(string) (netip.Addr, error) { return netip.Addr{}, errors.New("no such host") }, "", "could not be resolved"},
		{"no resolver", nil, "", "host name"},
	} {
		dev := wgdev.NewFake(&wgtypes.Device{Name: "wg0"})
		a := &Applier{Dev: dev, Resolve: c.resolve}
		notes, err := a.Apply(Change{Iface: "wg0", Peers: true, Network: n})
		if err != nil || len(dev.Configs) != 1 {
			t.Fatalf("%s: %v, %d configs", c.name, err, len(dev.Configs))
		}
		got := ""
		if e := dev.Configs[0].Config.Peers[0].Endpoint; e != nil {
			got = e.String()
		}
		if got != c.want || c.note != "" && !strings.Contains(strings.Join(notes, "\n"), c.note) {
			t.Errorf("%s: endpoint %q, notes %q; want %q and a note with %q", c.name, got, notes, c.want, c.note)
		}
	}
}

// A peer the device has without an endpoint (pushed before its host name
// resolved) gets it; a roaming endpoint is never overwritten.
func TestDiffFillsAMissingEndpoint(t *testing.T) {
	p, _ := uci.Parse("network", []byte(net0))
	desired := DesiredPeers(p, "wg0")
	b := key("98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU=")
	nets := []net.IPNet{cidr("10.8.0.3/32"), cidr("192.168.50.0/24")}
	diff := Diff(desired[1:], &wgtypes.Device{Peers: []wgtypes.Peer{{PublicKey: b, AllowedIPs: nets}}})
	if len(diff) != 1 || diff[0].Endpoint == nil || diff[0].Endpoint.String() != "198.51.100.9:51820" {
		t.Errorf("diff %+v: want the configured endpoint set", diff)
	}
	roaming := &net.UDPAddr{IP: net.ParseIP("203.0.113.50"), Port: 40000}
	if diff := Diff(desired[1:], &wgtypes.Device{Peers: []wgtypes.Peer{{PublicKey: b, AllowedIPs: nets, Endpoint: roaming}}}); len(diff) != 0 {
		t.Errorf("diff %+v: a roaming endpoint must be left alone", diff)
	}
}

// pendingUbus answers network.interface.wg0 status with pending for the
// first looks, then calls done (netifd's handler finishing its setup).
type pendingUbus struct {
	looks int
	done  func()
}

func (p *pendingUbus) Call(object, method string, _ any) (json.RawMessage, error) {
	if object != "network.interface.wg0" || method != "status" {
		return nil, fmt.Errorf("unexpected call %s %s", object, method)
	}
	p.looks--
	if p.looks > 0 {
		return json.RawMessage(`{"up":false,"pending":true}`), nil
	}
	if p.done != nil {
		p.done()
		p.done = nil
	}
	return json.RawMessage(`{"up":true,"pending":false}`), nil
}

// Right after `server init` netifd is still setting wg0 up: its handler
// read the configuration before the new peer was committed and then sets
// the device's peers from what it read. The applier waits for the setup to
// end and pushes the peer after it, so the peer is not lost (seen with the
// real netifd in the lab and the OpenWrt VM).
func TestPushWaitsForNetifdSetup(t *testing.T) {
	n, _ := uci.Parse("network", []byte(net0))
	dev := wgdev.NewFake(&wgtypes.Device{Name: "wg0"})
	var slept time.Duration
	u := &pendingUbus{looks: 4, done: func() {
		// the handler's wg setconf/syncconf: the peers it read (none)
		dev.ConfigureDevice("wg0", wgtypes.Config{ReplacePeers: true})
	}}
	a := &Applier{Dev: dev, Ubus: u, Settle: 15 * time.Second, Sleep: func(d time.Duration) { slept += d }}
	if _, err := a.Apply(Change{Iface: "wg0", Peers: true, Network: n}); err != nil {
		t.Fatal(err)
	}
	if u.done != nil { // the setup ends after the push
		u.done()
	}
	d, _ := dev.Device("wg0")
	if want := len(DesiredPeers(n, "wg0")); len(d.Peers) != want || slept == 0 {
		t.Errorf("device has %d peers after setup (want %d), waited %v", len(d.Peers), want, slept)
	}
	// A setup that never ends is waited for at most Settle.
	slept = 0
	a.Ubus = &pendingUbus{looks: 1 << 30}
	a.Apply(Change{Iface: "wg0", Peers: true, Network: n})
	if slept > 15*time.Second {
		t.Errorf("waited %v for a setup that never ends, want at most 15s", slept)
	}
}
