package wg

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

func TestPublicKeyRFC7748Vector(t *testing.T) {
	// RFC 7748 §6.1: Alice's private and public keys.
	priv, _ := hex.DecodeString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
	want := "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
	var k Key
	copy(k[:], priv)
	pub := k.PublicKey()
	if got := hex.EncodeToString(pub[:]); got != want {
		t.Errorf("public key %s, want %s", got, want)
	}
}

func TestGeneratedKeysAreClamped(t *testing.T) {
	k, err := GeneratePrivate(func() ([KeyLen]byte, error) {
		var b [KeyLen]byte
		for i := range b {
			b[i] = 0xff
		}
		return b, nil
	})
	if err != nil || k[0]&7 != 0 || k[31]&0x80 != 0 || k[31]&0x40 == 0 {
		t.Errorf("key %x not clamped (%v)", k, err)
	}
}

func TestParseKeyRejectsWithoutEchoing(t *testing.T) {
	for _, s := range []string{"", "abc", strings.Repeat("A", 43) + "!", strings.Repeat("A", 44)} {
		_, err := ParseKey(s)
		if err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
			continue
		}
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error repeats the input: %v", err)
		}
	}
	if _, err := ParseKey("a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw="); err != nil {
		t.Error(err)
	}
}

func TestValidateIface(t *testing.T) {
	for name, ok := range map[string]bool{"wg0": true, "wg_home": false, "wg0_from": false, "a23456789012345": true,
		"a234567890123456": false, "wg-0": false, "0wg": false, "": false, "wg.0": false} {
		if err := ValidateIface(name); (err == nil) != ok {
			t.Errorf("ValidateIface(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"vpn.example.com":       "vpn.example.com:51820",
		"vpn.example.com:4500":  "vpn.example.com:4500",
		"203.0.113.7":           "203.0.113.7:51820",
		"2001:db8::1":           "[2001:db8::1]:51820",
		"[2001:db8::1]:443":     "[2001:db8::1]:443",
		"[2001:DB8:0::1]":       "",
		"bad_host":              "",
		"host:0":                "",
		"-lead.example.com":     "",
		"vpn.example.com:99999": "",
	} {
		e, err := ParseEndpoint(in)
		got := ""
		if err == nil {
			got = e.With(51820)
		}
		if got != want {
			t.Errorf("ParseEndpoint(%q) = %q (%v), want %q", in, got, err, want)
		}
	}
}

func TestPickSubnet4SkipsUsed(t *testing.T) {
	used := Used{netip.MustParsePrefix("10.8.0.0/24"), netip.MustParsePrefix("10.9.0.0/16"), netip.MustParsePrefix("10.10.0.7/32")}
	if p, _ := PickSubnet4(used); p.String() != "10.11.0.0/24" {
		t.Errorf("picked %s, want 10.11.0.0/24", p)
	}
	if p, _ := PickSubnet4(Used{netip.MustParsePrefix("10.0.0.0/8")}); p.String() != "172.16.0.0/24" {
		t.Errorf("with 10/8 used picked %s, want 172.16.0.0/24", p)
	}
}

func TestPickSubnet6StaysAwayFromAssignments(t *testing.T) {
	ula := netip.MustParsePrefix("fd12:3456:789a::/48")
	used := Used{netip.MustParsePrefix("fd12:3456:789a::/60"), netip.MustParsePrefix("fd12:3456:789a:ff00::/64")}
	if p, _ := PickSubnet6(ula, used); p.String() != "fd12:3456:789a:ff01::/64" {
		t.Errorf("picked %s", p)
	}
	if _, ok := PickSubnet6(netip.MustParsePrefix("fd00::/80"), nil); ok {
		t.Error("a prefix longer than /64 has no /64 inside")
	}
}

func TestAllocatorSkipsNetworkBroadcastAndTaken(t *testing.T) {
	al := NewAllocator(netip.MustParsePrefix("10.8.0.0/30"), []netip.Prefix{netip.MustParsePrefix("10.8.0.1/32")})
	a, ok := al.Next(0)
	if !ok || a.String() != "10.8.0.2" {
		t.Fatalf("got %v %v, want 10.8.0.2", a, ok)
	}
	al.Take(a)
	if a, ok := al.Next(0); ok {
		t.Errorf("got %v; .3 is the broadcast address of a /30", a)
	}
	v6 := NewAllocator(netip.MustParsePrefix("fd00::/64"), []netip.Prefix{netip.MustParsePrefix("fd00::/120")})
	if a, _ := v6.Next(2); a.String() != "fd00::100" {
		t.Errorf("v6 got %v, want fd00::100 (a wide taken prefix is skipped)", a)
	}
}

func TestClientConfigRender(t *testing.T) {
	k := NewPrivateKey([KeyLen]byte{1})
	c := ClientConfig{Name: "p", PrivateKey: &k, Addresses: []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32")},
		ServerPublicKey: k.PublicKey(), AllowedIPs: FullTunnel, Endpoint: "[2001:db8::1]:51820", Keepalive: 25}
	s := c.Render()
	for _, line := range []string{"PrivateKey = " + k.String(), "Address = 10.8.0.2/32", "AllowedIPs = 0.0.0.0/0, ::/0", "Endpoint = [2001:db8::1]:51820", "PersistentKeepalive = 25"} {
		if !strings.Contains(s, line+"\n") {
			t.Errorf("config lacks %q:\n%s", line, s)
		}
	}
	if strings.Contains(s, "PresharedKey") || strings.Contains(s, "DNS") {
		t.Errorf("config has lines it was not given:\n%s", s)
	}
}

func TestValidatePeerName(t *testing.T) {
	for name, ok := range map[string]bool{"phone": true, "a-b": true, "a_b": true, "x-": true, "-x": false, "-": false, "": false, "a b": false} {
		if err := ValidatePeerName(name); (err == nil) != ok {
			t.Errorf("ValidatePeerName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
