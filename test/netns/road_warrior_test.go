//go:build lab_realizer

package netns

import (
	"net/netip"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/test/netns/realize"
)

// Scenario 1: road-warrior server on examples/router (the repository's
// stock OpenWrt 24.10 tree: br-lan over lan1..lan4, wan proto dhcp, wan6
// dhcpv6) plus testdata/road-warrior's hand-written additions: wg0
// 10.8.0.1/24 on udp/51820, one peer, zone vpn, Allow-WireGuard on wan,
// lan<->vpn forwardings. A roaming phone sits on the internet.
//
// inet is the ISP: its DHCP server leases wan 203.0.113.2/24 with router
// 203.0.113.1; it has no IPv6, so wan6 stays down. lan1 is cabled to the
// LAN host, lan2..lan4 are empty ports.
//
//	┌───────────────┐       ┌───────────────────────────┐       ┌──────────────────┐       ┌────────────────────┐
//	│ lanhost       │       │ router (realized)         │       │ inet             │       │ phone (wg-quick)   │
//	│ 192.168.1.10  ├──lan1─┤ br-lan 192.168.1.1        │       │ 203.0.113.1/24   │       │ wg 10.8.0.2/32     │
//	│ echo :7       │       │ wan 203.0.113.2 (DHCP) ───┼───────┤ 198.51.100.1/24 ─┼───────┤ eth0 198.51.100.10 │
//	└───────────────┘       │ wg0 10.8.0.1/24 :51820    │       │ 192.0.2.1/24 ──┐ │       │   (roams to .11)   │
//	                        └───────────────────────────┘       └────────────────┼─┘       └────────────────────┘
//	                                                                ┌────────────┴───┐
//	                                                                │ attacker       │
//	                                                                │ 192.0.2.66     │
//	                                                                └────────────────┘
//
// inet routes 192.168.1.0/24 to the router, so only the router's firewall
// keeps the attacker out of the LAN.
type roadWarrior struct {
	router, lanHost, inet, phone, attacker *lab.NS
	serverUAPI                             string
}

const phoneConf = `[Interface]
PrivateKey = wCSzpwzy4Sicbc2J10bJ6cdYIpccLuPBXh69RgtAdnY=
Address = 10.8.0.2/32

[Peer]
PublicKey = sRGtH59Ye4T7FbeWTZqJNcBRZFCRzK6aRHDaFZbRvQQ=
Endpoint = 203.0.113.2:51820
AllowedIPs = 10.8.0.0/24, 192.168.1.0/24
`

func newRoadWarrior(t *testing.T, firewall []byte) *roadWarrior {
	l := lab.New(t)
	cfg := exampleRouter(t, "road-warrior")
	if firewall != nil {
		cfg.Firewall = firewall
	}
	inet := internet(t, l)
	lease := realize.Lease{Address: netip.MustParsePrefix("203.0.113.2/24"), Gateway: netip.MustParseAddr("203.0.113.1")}
	site := buildBoard(t, l, "router", cfg, inet, "r1", "203.0.113.1/24", lease, "192.168.1.10/24", "192.168.1.1")
	inet.MustRun("ip", "route", "add", "192.168.1.0/24", "via", "203.0.113.2")
	rw := &roadWarrior{router: site.ns, lanHost: site.lanHost, inet: inet, serverUAPI: site.r.WG["wg0"].UAPI}
	rw.phone = attach(t, l, "phone", inet, "p1", "198.51.100.1/24", "198.51.100.10/24")
	rw.attacker = attach(t, l, "attacker", inet, "a1", "192.0.2.1/24", "192.0.2.66/24")
	wgQuick(t, rw.phone, "wg", phoneConf)
	rw.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	return rw
}

func TestRoadWarrior(t *testing.T) {
	rw := newRoadWarrior(t, nil)
	lanEcho := "192.168.1.10:" + echoPort

	expectReached(t, "phone -> LAN host through the tunnel", rw.phone.TCP(lanEcho, ""), "10.8.0.2")
	expectReached(t, "LAN host -> phone tunnel address (lan->vpn forwarding)", rw.lanHost.Ping("10.8.0.2"), "")
	expectBlocked(t, "attacker -> LAN host", rw.attacker.TCP(lanEcho, ""))
	expectReached(t, "attacker reaches the router's wan (control: the path exists)", rw.attacker.Ping("203.0.113.2"), "")

	// Roam: the phone's underlay address changes; the server learns the new
	// endpoint from the next authenticated packet.
	rw.phone.MustRun("ip", "addr", "del", "198.51.100.10/24", "dev", "eth0")
	rw.phone.MustRun("ip", "addr", "add", "198.51.100.11/24", "dev", "eth0")
	rw.phone.MustRun("ip", "route", "add", "default", "via", "198.51.100.1")
	expectReached(t, "phone -> LAN host after roaming", rw.phone.TCP(lanEcho, ""), "10.8.0.2")
	if ep := serverEndpoint(t, rw.serverUAPI); ep != "198.51.100.11" {
		t.Errorf("server's endpoint for the phone = %s, want 198.51.100.11 after roaming", ep)
	}
}

// TestRoadWarriorWithoutWanRuleFails is the deliberately broken variant:
// without Allow-WireGuard the wan zone rejects udp/51820, so the same
// assertion that passes above must fail here.
func TestRoadWarriorWithoutWanRuleFails(t *testing.T) {
	fw := withoutSection(t, exampleRouter(t, "road-warrior").Firewall, `
config rule
	option name 'Allow-WireGuard'
	option src 'wan'
	option proto 'udp'
	option dest_port '51820'
	option target 'ACCEPT'
`)
	rw := newRoadWarrior(t, fw)
	if r := rw.phone.TCP("192.168.1.10:"+echoPort, ""); r.Outcome == lab.Reached {
		t.Fatalf("phone reached the LAN host although wan rejects udp/51820: %v", r)
	}
}

func serverEndpoint(t *testing.T, uapi string) string {
	t.Helper()
	c, err := wgdev.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.Device(uapi)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Peers {
		if p.Endpoint != nil && time.Since(p.LastHandshakeTime) < time.Minute {
			return p.Endpoint.IP.String()
		}
	}
	return "<none>"
}
