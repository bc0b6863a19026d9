package system

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/ubus"
	"github.com/wgowrt/wgowrt/uci"
)

func TestAdminAddr(t *testing.T) {
	for env, want := range map[[2]string]string{
		{"203.0.113.5 51234 22", ""}:                   "203.0.113.5",
		{"", "192.168.1.20 40000 192.168.1.1 22"}:      "192.168.1.20",
		{"fe80::1%br-lan 5000 22", ""}:                 "fe80::1",
		{"::ffff:198.51.100.4 5000 22", ""}:            "198.51.100.4",
		{"", ""}:                                       "invalid IP",
		{"garbage", "2001:db8::7 5000 2001:db8::1 22"}: "2001:db8::7",
	} {
		got := AdminAddr(func(k string) string {
			if k == "SSH_CLIENT" {
				return env[0]
			}
			return env[1]
		})
		if got.String() != want {
			t.Errorf("SSH_CLIENT=%q SSH_CONNECTION=%q: %v, want %s", env[0], env[1], got, want)
		}
	}
}

const dump = `{"interface":[
 {"interface":"wan","up":true,"ipv4-address":[{"address":"100.64.3.7","mask":22}],"route":[{"target":"0.0.0.0","mask":0}],
  "ipv6-prefix":[{"address":"2001:db8:1200::","mask":56}]},
 {"interface":"lan","up":true,"ipv4-address":[{"address":"192.168.1.1","mask":24}],"ipv6-prefix-assignment":[{"address":"2001:db8:1200:10::","mask":64}]}
]}`

func TestGatherLiveFromFakes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "network.interface~dump.json"), []byte(dump), 0600)
	db, _ := uci.Parse("dropbear", []byte("config dropbear\n\toption Port '2222'\n"))
	uh, _ := uci.Parse("uhttpd", []byte("config uhttpd 'main'\n\tlist listen_http '0.0.0.0:8080'\n\tlist listen_https '[::]:8443'\n"))
	l := GatherLive(LiveSource{
		Ubus:   &ubus.Fake{Dir: dir},
		Links:  func() ([]net.Interface, error) { return []net.Interface{{Name: "lo"}, {Name: "lan1"}}, nil },
		Getenv: func(k string) string { return map[string]string{"SSH_CLIENT": "198.51.100.9 1 22"}[k] },
		Load: func(n string) (*uci.Package, error) {
			return map[string]*uci.Package{"dropbear": db, "uhttpd": uh}[n], nil
		},
	})
	if !l.Known || l.Unavailable != "" || l.Admin.String() != "198.51.100.9" {
		t.Errorf("live %+v", l)
	}
	kinds := map[string]string{}
	for _, a := range l.Addrs {
		kinds[a.Iface+" "+a.Prefix.String()] = a.Kind
	}
	for k, want := range map[string]string{"wan 100.64.3.7/22": plan.LiveAddress, "wan 0.0.0.0/0": plan.LiveRoute,
		"wan 2001:db8:1200::/56": plan.LiveDelegated, "lan 2001:db8:1200:10::/64": plan.LiveAssigned} {
		if kinds[k] != want {
			t.Errorf("%s: kind %q, want %q (all: %v)", k, kinds[k], want, kinds)
		}
	}
	if len(l.Links) != 2 || l.Links[1] != "lan1" {
		t.Errorf("links %v", l.Links)
	}
	if len(l.Services) != 3 || l.Services[0].Port != 2222 || l.Services[1].Port != 8080 || l.Services[2].Port != 8443 {
		t.Errorf("services %+v", l.Services)
	}
}

func TestGatherLiveOffRouter(t *testing.T) {
	l := GatherLive(LiveSource{Getenv: func(k string) string { return "" }})
	if l.Known || len(l.Addrs) != 0 || l.Admin.IsValid() {
		t.Errorf("--root: %+v, want nothing known", l)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "network.interface~dump.error"), []byte("Command failed: Not found"), 0600)
	l = GatherLive(LiveSource{Ubus: &ubus.Fake{Dir: dir}, Links: func() ([]net.Interface, error) { return nil, errors.New("x") }})
	if !l.Known || l.Unavailable == "" {
		t.Errorf("netifd down: %+v, want Unavailable set", l)
	}
}
