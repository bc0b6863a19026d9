package main

import (
	"reflect"
	"strings"
	"testing"
)

// The phone's config as `wgowrt peer add` prints it: wg-quick's keys go,
// the rest reaches `wg setconf` unchanged.
func TestParseClientConfig(t *testing.T) {
	text := `[Interface]
PrivateKey = aPrivateKeyaPrivateKeyaPrivateKeyaPrivate0=
Address = 10.8.0.2/32, fd4c:7e2a:91b3:ff00::2/128
DNS = 10.8.0.1
MTU = 1420

[Peer]
PublicKey = aPublicKeyaPublicKeyaPublicKeyaPublicKey00=
PresharedKey = aPSKaPSKaPSKaPSKaPSKaPSKaPSKaPSKaPSKaPSK00=
AllowedIPs = 10.8.0.0/24, fd4c:7e2a:91b3:ff00::/64
Endpoint = 127.0.0.1:51820
PersistentKeepalive = 25
`
	c, err := parseClientConfig(text)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.8.0.2/32", "fd4c:7e2a:91b3:ff00::2/128"}; !reflect.DeepEqual(c.Addresses, want) {
		t.Errorf("addresses %q, want %q", c.Addresses, want)
	}
	if c.Endpoint != "127.0.0.1:51820" {
		t.Errorf("endpoint %q", c.Endpoint)
	}
	for _, gone := range []string{"Address", "DNS", "MTU"} {
		if strings.Contains(c.WG, gone+" =") {
			t.Errorf("%s left in the wg config:\n%s", gone, c.WG)
		}
	}
	for _, kept := range []string{"[Interface]", "PrivateKey = aPrivate", "[Peer]", "PublicKey = aPublic", "PresharedKey = aPSK",
		"AllowedIPs = 10.8.0.0/24, fd4c", "Endpoint = 127.0.0.1:51820", "PersistentKeepalive = 25"} {
		if !strings.Contains(c.WG, kept) {
			t.Errorf("%q missing from the wg config:\n%s", kept, c.WG)
		}
	}
	for _, bad := range []string{"", "wgowrt: wg0 is not running\n[Interface]\nAddress = 10.8.0.2/32\n[Peer]\nEndpoint = x:1\n",
		"[Interface]\nAddress = 10.8.0.2/32\n"} {
		if _, err := parseClientConfig(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// A loss is an unanswered request before the last; the last may be in
// flight when ping is stopped.
func TestCountPings(t *testing.T) {
	all := map[int]bool{1: true, 2: true, 3: true}
	if r := countPings(3, all); r.Lost != 0 || r.Answered != 3 || r.InFlight {
		t.Errorf("all answered: %+v", r)
	}
	if r := countPings(4, all); r.Lost != 0 || r.Answered != 3 || !r.InFlight {
		t.Errorf("last in flight: %+v", r)
	}
	if r := countPings(4, map[int]bool{1: true, 3: true}); r.Lost != 1 || !reflect.DeepEqual(r.LostSeqs, []int{2}) || !r.InFlight {
		t.Errorf("one lost: %+v", r)
	}
}
