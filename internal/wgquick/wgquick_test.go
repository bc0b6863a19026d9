package wgquick

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const (
	priv = "oEbI2kanjMsWX4GFzJ8jvzxSTJ6+RvuBAQ7pzTlCImE="
	pub  = "NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk="
	pub2 = "mKmeb14h2j9By1vGD0rAft2t9TTd8X9IU4pv/5Q/Gl8="
	psk  = "KGqBl0MtRnrJCOWX38+PKyRDEINezmkToIZ18vXZ7lE="
)

// TestParseComplete reads a file using every directive, with the quirks
// providers produce: CRLF, a BOM, comments, lower-case keys, repeated
// Address lines, lists with odd spacing.
func TestParseComplete(t *testing.T) {
	file := "\xef\xbb\xbf# provider\r\n[Interface] # trailing comment\r\n" +
		"privatekey = " + priv + "\r\nAddress = 10.64.0.2/32,fd00::2/128\r\nAddress=44.1.2.3\r\n" +
		"DNS = 10.64.0.1 ,  fd00::1, corp.example\r\nMTU = 1380\r\nListenPort = 51000\r\nTable = 1234\r\nFwMark = 0x10\r\n" +
		"PostUp = echo up\r\nSaveConfig = true\r\n\r\n" +
		"[Peer]\r\nPublicKey = " + pub + "\r\nPresharedKey = " + psk + "\r\nAllowedIPs = 0.0.0.0/0\r\nAllowedIPs = ::/0\r\n" +
		"Endpoint = [2001:db8::1]:4500\r\nPersistentKeepalive = off\r\n" +
		"[peer]\r\nPublicKey = " + pub2 + "\r\nAllowedIPs = 10.1.2.3/16\r\nEndpoint = vpn.example.net:51820\r\nPersistentKeepalive = 25\r\n"
	c, err := Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"private key", c.PrivateKey.String(), priv},
		{"addresses", prefixes(c.Addresses), "10.64.0.2/32 fd00::2/128 44.1.2.3/32"},
		{"dns", len(c.DNS), 2},
		{"search", strings.Join(c.DNSSearch, " "), "corp.example"},
		{"mtu", c.MTU, 1380},
		{"port", c.ListenPort, 51000},
		{"table", c.Table, "1234"},
		{"fwmark", c.FwMark, uint32(16)},
		{"ignored", len(c.Ignored), 2},
		{"ignored line", c.Ignored[0].Line, 11},
		{"peers", len(c.Peers), 2},
		{"psk", c.Peers[0].PresharedKey.String(), psk},
		{"allowed", prefixes(c.Peers[0].AllowedIPs), "0.0.0.0/0 ::/0"},
		{"endpoint v6", c.Peers[0].Endpoint.String(), "[2001:db8::1]:4500"},
		{"keepalive off", c.Peers[0].Keepalive, 0},
		{"allowed masked", prefixes(c.Peers[1].AllowedIPs), "10.1.0.0/16"},
		{"endpoint name", c.Peers[1].Endpoint.String(), "vpn.example.net:51820"},
		{"keepalive", c.Peers[1].Keepalive, 25},
		{"peer line", c.Peers[1].Line, 21},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.what, ch.got, ch.want)
		}
	}
}

func prefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, " ")
}

// TestParseErrors: each malformed input fails at the right line and the
// message never contains a key.
func TestParseErrors(t *testing.T) {
	head := "[Interface]\nPrivateKey = " + priv + "\n"
	peer := "[Peer]\nPublicKey = " + pub + "\n"
	for _, tc := range []struct {
		in   string
		line int
	}{
		{head + "MTU = 1\n" + peer, 3},
		{head + "Mtu = 1420\nmtu = 1420\n" + peer, 4},
		{head + peer + "Endpoint = host\n", 5},
		{head + peer + "PresharedKey = " + priv[:43] + "\n", 5},
		{head + "PrivateKey = " + priv + "\n" + peer, 3},
		{"[Peer]\nPublicKey = " + pub + "\n", 0},
		{head + "[Peer]\nAllowedIPs = 0.0.0.0/0\n" + peer, 3},
		{head + "DNS =\n" + peer, 3},
	} {
		_, err := Parse([]byte(tc.in))
		var pe *Error
		if !errors.As(err, &pe) || pe.Line != tc.line {
			t.Errorf("%q: got %v, want an error on line %d", tc.in, err, tc.line)
			continue
		}
		if strings.Contains(err.Error(), priv[:20]) {
			t.Errorf("error shows the private key: %v", err)
		}
	}
}
