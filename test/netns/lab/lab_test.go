package lab

import (
	"os"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Two wg-quick peers over one veth:
//
//	┌────────────────────┐            ┌────────────────────┐
//	│ ns a               │            │ ns b               │
//	│ wga 10.9.0.1/24    │            │ wgb 10.9.0.2/24    │
//	│ veth 192.0.2.1/24 ├────────────┤ veth 192.0.2.2/24  │
//	└────────────────────┘            └────────────────────┘
func TestWGQuickPeersCarryTraffic(t *testing.T) {
	l := New(t)
	a, b := l.NS("a"), l.NS("b")
	l.Link(a, "veth", b, "veth")
	a.MustRun("ip", "addr", "add", "192.0.2.1/24", "dev", "veth")
	b.MustRun("ip", "addr", "add", "192.0.2.2/24", "dev", "veth")
	ka, kb := mustKey(t), mustKey(t)
	if _, err := a.WGQuick("wga", "[Interface]\nPrivateKey = "+ka.String()+"\nAddress = 10.9.0.1/24\n"+
		"[Peer]\nPublicKey = "+kb.PublicKey().String()+"\nAllowedIPs = 10.9.0.2/32\nEndpoint = 192.0.2.2:51820\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WGQuick("wgb", "[Interface]\nPrivateKey = "+kb.String()+"\nListenPort = 51820\nAddress = 10.9.0.2/24\n"+
		"[Peer]\nPublicKey = "+ka.PublicKey().String()+"\nAllowedIPs = 10.9.0.1/32\n"); err != nil {
		t.Fatal(err)
	}
	b.ServeTCPEcho("10.9.0.2:7")
	if r := a.TCP("10.9.0.2:7", ""); r.Outcome != Reached || r.SeenIP() != "10.9.0.1" {
		t.Fatalf("a -> b through the tunnel: %v, want reached from 10.9.0.1", r)
	}
	if r := a.TCP("10.9.0.2:8", ""); r.Outcome != Refused {
		t.Errorf("closed port: %v, want refused", r)
	}
	if r := a.Ping("10.9.0.2"); r.Outcome != Reached {
		t.Errorf("ping: %v", r)
	}
	if out := a.MustRun("ip", "link", "show", "wga"); !strings.Contains(out, "wga:") {
		t.Errorf("link not renamed: %s", out)
	}
}

func TestCleanupRemovesNamespacesAndSockets(t *testing.T) {
	var nsPath, sock string
	t.Run("inner", func(t *testing.T) {
		l := New(t)
		n := l.NS("x")
		dev, err := n.StartWireGuard("wgx")
		if err != nil {
			t.Fatal(err)
		}
		nsPath, sock = "/run/netns/"+n.Path, socketPath(dev.UAPI)
	})
	for _, p := range []string{nsPath, sock} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still exists after cleanup (err=%v)", p, err)
		}
	}
}

func mustKey(t *testing.T) wgtypes.Key {
	k, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
