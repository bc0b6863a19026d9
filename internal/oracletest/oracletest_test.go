package oracletest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	os.Setenv("WGOWRT_ORACLE_NETIFD", "1") // this package's tests check the netifd pass too
	code := m.Run()
	Stop()
	os.Exit(code)
}

func writeConf(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// realShow is a UCIFunc that agrees with the real uci (it is the real uci).
func realShow(o *Oracle) UCIFunc {
	return func(args ...string) (string, string, int) {
		out, errs, code, err := o.UCI(args...)
		if err != nil {
			return "", err.Error(), 1
		}
		return out, errs, code
	}
}

// TestCheckFinds: each kind of rejection is reported, and a clean tree
// passes.
func TestCheckFinds(t *testing.T) {
	o := Get(t)
	zone := "\nconfig zone\n\toption name 'lan'\n\toption input 'ACCEPT'\n\toption output 'ACCEPT'\n\toption forward 'ACCEPT'\n\tlist network 'lan'\n\n"
	// what the include of "nft rejects" pulls into the ruleset
	if err := os.WriteFile(filepath.Join(o.state, "tmp", "chk-bad.nft"), []byte("bogus statement\n"), 0644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		show  UCIFunc
		want  string // "" = passes
	}{
		{"clean", map[string]string{"firewall": zone}, nil, ""},
		{"fw4 warning", map[string]string{"firewall": zone + "\toption colour 'blue'\n"}, nil,
			"specifies unknown option 'colour'"},
		{"invalid value", map[string]string{"firewall": zone + "\nconfig rule\n\toption src 'lan'\n\toption src_ip '10.0.0.300'\n\toption target 'ACCEPT'\n"}, nil,
			"specifies invalid value '10.0.0.300'"},
		{"nft rejects", map[string]string{"firewall": zone + "\nconfig include\n\toption type 'nftables'\n\toption path '/tmp/chk-bad.nft'\n\toption position 'chain-append'\n\toption chain 'input'\n"}, nil,
			"real `fw4 check` (nft -c on the rendered ruleset): exit 1"},
		{"uci parse error", map[string]string{"network": "config interface 'lan'\n\toption proto 'static\n"}, nil,
			"real `uci show network` rejects the file"},
		{"netifd up", map[string]string{"network": wgNet("a", "kKpazZsPivYGTv1Ut/OTYg8s+s+r9mTGTRaxE9YKO14=")}, nil, ""},
		{"netifd refuses", map[string]string{"network": wgNet("b", "not-a-key")}, nil,
			"real netifd: interface b did not come up"},
		{"not as uci writes", map[string]string{"wgowrt": "config server 'wg0'\n\toption port '1'\n"}, nil,
			"etc/config/wgowrt is not byte for byte what the real uci commit writes"},
		{"show differs", map[string]string{"wgowrt": "\nconfig server 'wg0'\n\toption port '2'\n\n"},
			func(args ...string) (string, string, int) { return "wgowrt.wg0=server\n", "", 0 },
			"- wgowrt.wg0.port='2'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			show := tc.show
			if show == nil {
				show = realShow(o)
			}
			got := o.Check(writeConf(t, tc.files), true, Packages, show)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to say %q", got, tc.want)
			}
		})
	}
}

// TestBatchLines: the answer's edits as uci batch lines, the way rpcd
// applies what uci.js stages.
func TestBatchLines(t *testing.T) {
	edits, err := parseEdits(`{"edits":[
		{"config":"network","op":"add","section":"p","type":"wireguard_wg0","values":{"public_key":"k","allowed_ips":["10.8.0.2/32","fd00::2/128"],"description":"Bob's phone"}},
		{"config":"network","op":"set","section":"wg0","values":{"addresses":["10.8.0.1/24"],"mtu":null,"gone":null}},
		{"config":"network","op":"remove","section":"old"},
		{"config":"network","op":"order","sections":["lan","wg0"]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	got := batchLines(edits, map[string]bool{"network.wg0.addresses": true, "network.wg0.mtu": true})
	want := `set network.p='wireguard_wg0'
set network.p.public_key='k'
add_list network.p.allowed_ips='10.8.0.2/32'
add_list network.p.allowed_ips='fd00::2/128'
set network.p.description='Bob'\''s phone'
delete network.wg0.addresses
add_list network.wg0.addresses='10.8.0.1/24'
delete network.wg0.mtu
delete network.old
reorder network.lan=0
reorder network.wg0=1
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// wgNet is a network config with one WireGuard interface NAME.
func wgNet(name, key string) string {
	return "\nconfig interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\toption netmask '255.0.0.0'\n\n" +
		"config interface '" + name + "'\n\toption proto 'wireguard'\n\toption private_key '" + key + "'\n\toption listen_port '51820'\n\tlist addresses '10.8.0.1/24'\n\n"
}
