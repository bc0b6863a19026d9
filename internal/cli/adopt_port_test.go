package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wikiRule is the port rule of the wiki's server (adopt-wiki-server.txtar).
const wikiRule = "\nconfig rule 'wg'\n\toption name 'Allow-WireGuard'\n\toption src 'wan'\n\toption dest_port '51820'\n\toption proto 'udp'\n\toption target 'ACCEPT'\n"

// TestAdoptedServerPortMoves: 'server init --iface wg0 --port N' on an
// adopted server (the command that changes a server's port). The rule
// adopt recorded opens the new port instead of the old one while it
// still only opens the port: no second rule, the note keeps naming it,
// and 'server remove' then deletes it, leaving the hand-made firewall
// byte for byte without it. A recorded rule the user changed since adopt
// (narrowed to one source, renamed, deleted) is no longer the server's
// when the port moves (or it is no longer found): it is left as is,
// wgowrt's own rule opens the new port, the note forgets it, and a line
// names it. A disabled one moves and stays disabled, with a warning.
// Without a port change a recorded rule, even narrowed or disabled by the
// user, is not doubled (or widened) by wgowrt's own. Adopting again
// afterwards has nothing to do.
func TestAdoptedServerPortMoves(t *testing.T) {
	narrowed := strings.Replace(wikiRule, "\toption target", "\toption src_ip '198.51.100.0/24'\n\toption target", 1)
	disabled := wikiRule + "\toption enabled '0'\n"
	cases := []struct {
		name, edit, port string // edit: what the user made of the rule after adopt
		rule             string // the hand-made rule after server init
		own              bool   // wgowrt's own port rule opens the port
		line             string // on stderr of server init
		removed          bool   // server remove deletes the rule
	}{
		{"moved", wikiRule, "51999", strings.Replace(wikiRule, "51820", "51999", 1), false,
			"firewall rule wg (Allow-WireGuard), recorded by adopt as part of wg0, now opens udp port 51999 instead of 51820", true},
		{"same port", wikiRule, "", wikiRule, false, "", true},
		{"narrowed, same port", narrowed, "", narrowed, false, "", false},
		{"narrowed, moved", narrowed, "51999", narrowed, true,
			"firewall rule wg (Allow-WireGuard), which adopt recorded as opening wg0's port, was changed since (it no longer only opens udp port 51820): it is left as is and is no longer part of wg0; wgowrt's own rule Allow-WireGuard-wg0 opens udp port 51999", false},
		{"disabled, same port", disabled, "", disabled, false, "", true},
		{"disabled, moved", disabled, "51999", strings.Replace(disabled, "51820", "51999", 1), false,
			"warning: firewall rule wg (Allow-WireGuard), recorded by adopt as part of wg0, now opens udp port 51999 instead of 51820, and stays disabled (enabled '0'): peers cannot reach wg0 from wan", true},
		{"renamed, same port", strings.Replace(wikiRule, "'Allow-WireGuard'", "'WG-in'", 1), "", strings.Replace(wikiRule, "'Allow-WireGuard'", "'WG-in'", 1), true,
			"no firewall rule is named Allow-WireGuard any more (adopt recorded it as opening wg0's port): wgowrt's own rule Allow-WireGuard-wg0 opens udp port 51820", false},
		{"deleted, moved", "", "51999", "", true,
			"no firewall rule is named Allow-WireGuard any more (adopt recorded it as opening wg0's port): wgowrt's own rule Allow-WireGuard-wg0 opens udp port 51999", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, fw := adoptWikiServer(t)
			fwPath := filepath.Join(root, "etc/config/firewall")
			if err := os.WriteFile(fwPath, []byte(strings.Replace(readConf(t, root, "firewall"), wikiRule, c.edit, 1)), 0644); err != nil {
				t.Fatal(err)
			}
			port := "51820"
			args := "server init --iface wg0 --endpoint vpn2.example.com"
			if c.port != "" {
				port = c.port
				args += " --port " + port
			}
			_, stderr, code := run(t, root, args, false)
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", args, code, stderr)
			}
			checkPortMove(t, root, strings.Replace(fw, wikiRule, c.rule, 1), port, c.own)
			if c.line != "" && !strings.Contains(stderr, c.line) {
				t.Errorf("server init says nothing like %q:\n%s", c.line, stderr)
			}
			if o, e, code := run(t, root, "adopt wg0 --endpoint vpn2.example.com", true); code != 0 || o != "" {
				t.Errorf("adopting again: exit %d, changes %q (%s), want none", code, o, e)
			}
			mustRun(t, root, "server remove")
			want := strings.Replace(fw, wikiRule, c.rule, 1)
			if c.removed {
				want = strings.Replace(fw, wikiRule, "", 1)
			}
			if got := readConf(t, root, "firewall"); strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("firewall after server remove:\n%s\nwant:\n%s", got, want)
			}
			if n, w := readConf(t, root, "network"), readConf(t, root, "wgowrt"); strings.Contains(n, "wg0") || strings.Contains(w, "wg0") {
				t.Errorf("wg0 is left:\n%s\n%s", n, w)
			}
		})
	}
}

// adoptWikiServer adopts the wiki's server and returns the root and the
// hand-made firewall file.
func adoptWikiServer(t *testing.T) (root, fw string) {
	t.Helper()
	useTestDeps(t)
	data, err := os.ReadFile("testdata/wg/adopt-wiki-server.txtar")
	if err != nil {
		t.Fatal(err)
	}
	root = prepareRoot(t, parseTxtar(string(data)))
	fw = readConf(t, root, "firewall")
	if !strings.Contains(fw, wikiRule) {
		t.Fatalf("the wiki shape has no port rule %q", wikiRule)
	}
	mustRun(t, root, "adopt wg0 --endpoint vpn.example.com")
	if w := readConf(t, root, "wgowrt"); !strings.Contains(w, "option port_rule 'Allow-WireGuard'") {
		t.Fatalf("adopt did not record the port rule:\n%s", w)
	}
	return root, fw
}

// checkPortMove checks the tree after server init: the listen port, the
// hand-made sections (handMade) and whether wgowrt's own port rule opens
// port, and the note naming the recorded rule exactly when wgowrt's own
// rule does not.
func checkPortMove(t *testing.T, root, handMade, port string, own bool) {
	t.Helper()
	if n := readConf(t, root, "network"); !strings.Contains(n, "option listen_port '"+port+"'") {
		t.Errorf("network.wg0.listen_port is not %s:\n%s", port, n)
	}
	fw := readConf(t, root, "firewall")
	if got := withoutOwnSections(fw); strings.TrimSpace(got) != strings.TrimSpace(handMade) {
		t.Errorf("hand-made firewall sections after server init:\n%s\nwant:\n%s", got, handMade)
	}
	ownRule := "\nconfig rule 'wgowrt_wg0_port'\n\toption name 'Allow-WireGuard-wg0'\n\toption src 'wan'\n\toption proto 'udp'\n\toption dest_port '" + port + "'\n"
	if strings.Contains(fw, ownRule) != own || !own && strings.Contains(fw, "wgowrt_wg0_port") {
		t.Errorf("wgowrt's own port rule for %s: want %v:\n%s", port, own, fw)
	}
	if w := readConf(t, root, "wgowrt"); strings.Contains(w, "port_rule") == own {
		t.Errorf("the note names the recorded rule: want %v:\n%s", !own, w)
	}
}

// withoutOwnSections is a UCI file without the sections wgowrt names.
func withoutOwnSections(conf string) string {
	blocks := strings.Split(conf, "\nconfig ")
	out := blocks[0]
	for _, b := range blocks[1:] {
		head, _, _ := strings.Cut(b, "\n")
		if !strings.Contains(head, "'wgowrt_") {
			out += "\nconfig " + b
		}
	}
	return out
}

// TestServerPortMoveWarnsPeers: moving a server's listen port warns that
// its peers keep dialling the old one, but only when there are peers and
// they dial the listen port (an endpoint with a port of its own, a port
// forward in front of the router, is what they dial: it does not move).
func TestServerPortMoveWarnsPeers(t *testing.T) {
	const warning = "wg0 now listens on udp port 51999 instead of 51820: its 1 peer(s) keep dialling 51820 until their configs say Endpoint = vpn.example.com:51999"
	for _, c := range []struct {
		endpoint string
		peer     bool
		warns    bool
	}{{"vpn.example.com", true, true}, {"vpn.example.com", false, false}, {"vpn.example.com:443", true, false}} {
		useTestDeps(t)
		root := stockRoot(t)
		mustRun(t, root, "server init --endpoint "+c.endpoint)
		if c.peer {
			mustRun(t, root, "peer add phone")
		}
		_, stderr, code := run(t, root, "server init --port 51999", false)
		if code != 0 || strings.Contains(stderr, warning) != c.warns || !c.warns && strings.Contains(stderr, "keep dialling") {
			t.Errorf("endpoint %s, peer %v: exit %d, want the warning %v:\n%s", c.endpoint, c.peer, code, c.warns, stderr)
		}
	}
}
