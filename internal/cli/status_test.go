package cli

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

func TestStatusJoinsLiveDeviceWithUCINames(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	mustRun(t, root, "peer add phone --public-key a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	mustRun(t, root, "peer add laptop --public-key 98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU=")
	mustRun(t, root, "peer add old --public-key 1EAhjLTshKqu5k/ROvjeXaPm8Bx2XoOLZLRz2jqfImw=")
	mustRun(t, root, "peer disable old")
	now := time.Unix(1795307900, 0)
	phone, _ := wgtypes.ParseKey("a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	laptop, _ := wgtypes.ParseKey("98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU=")
	_, a, _ := net.ParseCIDR("10.8.0.2/32")
	dev := wgdev.NewFake(&wgtypes.Device{Name: "wg0", ListenPort: 51820, Peers: []wgtypes.Peer{
		{PublicKey: phone, AllowedIPs: []net.IPNet{*a}, LastHandshakeTime: now.Add(-42 * time.Second),
			Endpoint: &net.UDPAddr{IP: net.ParseIP("203.0.113.1"), Port: 51902}, ReceiveBytes: 2048, TransmitBytes: 100},
		{PublicKey: laptop},
	}})
	ops.Default.Devices = func() (wgdev.Client, error) { return dev, nil }
	ops.Default.Now = func() time.Time { return now }
	var s statusJSON
	out := mustRun(t, root, "--json status")
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Version != 1 || len(s.Interfaces) != 1 {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, p := range s.Interfaces[0].Peers {
		got[p.Name] = p.State
	}
	want := map[string]string{"phone": "active", "laptop": "never", "old": "disabled"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("peer %s state %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	p := s.Interfaces[0].Peers[0]
	if p.HandshakeAgeSecs == nil || *p.HandshakeAgeSecs != 42 || p.Endpoint != "203.0.113.1:51902" || p.RxBytes != 2048 {
		t.Errorf("phone: %+v", p)
	}
	text := mustRun(t, root, "status")
	for _, w := range []string{"interface wg0 (running, port 51820", "phone", "42s ago", "2.0 KiB", "never", "disabled"} {
		if !strings.Contains(text, w) {
			t.Errorf("status text lacks %q:\n%s", w, text)
		}
	}
}
