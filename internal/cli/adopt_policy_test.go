package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAdoptedServerInitChangesOnlyWhatIsAsked: on every hand-made shape
// adopt takes over (the wiki's server in the lan zone with a ULA subnet,
// LuCI's own zone forwarding to lan and wan with input REJECT, a zone
// shared with another network, a site link, peers without names and no
// port rule, a port rule that also opens tcp), 'server init --iface wg0
// --port N' moves the port and nothing else: network and firewall stay as
// they were but for listen_port and the recorded port rule's dest_port
// (or, when a hand-made rule that does more opened the old port,
// wgowrt's own rule for the new one; when no rule opened it, none), and
// --dry-run --json lists exactly those changes (a file that changes is
// written in uci's layout: blank lines around it may differ). The same
// command with the port the server has changes nothing at all.
func TestAdoptedServerInitChangesOnlyWhatIsAsked(t *testing.T) {
	files, err := filepath.Glob("testdata/wg/adopt-*.txtar")
	if err != nil || len(files) < 4 {
		t.Fatalf("adopt fixtures: %v %v", files, err)
	}
	type shape struct {
		name, file string
		edit       func(string) string // of the fixture's firewall
		handOpens  bool                // a hand-made rule adopt does not record opens the port
	}
	var shapes []shape
	for _, f := range files {
		shapes = append(shapes, shape{strings.TrimSuffix(filepath.Base(f), ".txtar"), f, nil, false})
	}
	tcpToo := func(fw string) string {
		return strings.Replace(fw, wikiRule, strings.Replace(wikiRule, "'udp'", "'tcp udp'", 1), 1)
	}
	shapes = append(shapes, shape{"wiki-rule-tcp-too", "testdata/wg/adopt-wiki-server.txtar", tcpToo, true})
	for _, sh := range shapes {
		for _, move := range []bool{false, true} {
			t.Run(sh.name+map[bool]string{false: "/same-port", true: "/port-moves"}[move], func(t *testing.T) {
				checkOnlyPortChanges(t, sh.file, sh.edit, move, sh.handOpens)
			})
		}
	}
}

var listenPortRE = regexp.MustCompile(`option listen_port '(\d+)'`)

// checkOnlyPortChanges adopts fixture f's wg0 (its firewall edited by
// edit), then runs server init with the same or a new port, dry and for
// real, and checks what changed.
func checkOnlyPortChanges(t *testing.T, f string, edit func(string) string, move, handOpens bool) {
	useTestDeps(t)
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	a := parseTxtar(string(data))
	if edit != nil {
		a.files["in/etc/config/firewall"] = edit(a.files["in/etc/config/firewall"])
	}
	root := prepareRoot(t, a)
	mustRun(t, root, strings.TrimSpace(a.files["args"]))
	net, fw := readConf(t, root, "network"), readConf(t, root, "firewall")
	m := listenPortRE.FindStringSubmatch(net)
	if m == nil {
		t.Fatalf("no listen_port:\n%s", net)
	}
	port, _ := strconv.Atoi(m[1])
	newPort := port
	if move {
		newPort = port + 100
	}
	np := strconv.Itoa(newPort)
	rule := recordedRule(readConf(t, root, "wgowrt"))
	if handOpens && rule != "" {
		t.Fatalf("adopt recorded port rule %q, which also opens tcp", rule)
	}
	ownRule := move && handOpens
	wantNet := strings.Replace(net, m[0], "option listen_port '"+np+"'", 1)
	wantFw := withRulePort(fw, rule, m[1], np)
	line := "server init --iface wg0 --port " + np
	out, stderr, code := run(t, root, "--json "+line, true)
	if code != 0 {
		t.Fatalf("--dry-run --json %s: exit %d: %s", line, code, stderr)
	}
	var res struct{ Changes []string }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	for _, c := range res.Changes {
		if !allowedChange(c, np, rule != "", move, ownRule) {
			t.Errorf("unexpected change %s (rule %q)", c, rule)
		}
	}
	if move != (len(res.Changes) > 0) {
		t.Errorf("changes %q, want some: %v", res.Changes, move)
	}
	if _, stderr, code := run(t, root, line, false); code != 0 {
		t.Fatalf("%s: exit %d: %s", line, code, stderr)
	}
	if got := readConf(t, root, "network"); strings.TrimSpace(got) != strings.TrimSpace(wantNet) {
		t.Errorf("network after %s:\n%s\nwant:\n%s", line, got, wantNet)
	}
	got := readConf(t, root, "firewall")
	if !ownRule {
		if strings.TrimSpace(got) != strings.TrimSpace(wantFw) {
			t.Errorf("firewall after %s:\n%s\nwant:\n%s", line, got, wantFw)
		}
	} else if strings.TrimSpace(withoutOwnSections(got)) != strings.TrimSpace(wantFw) || strings.Count(got, "'wgowrt_") != 1 || !strings.Contains(got, "config rule 'wgowrt_wg0_port'") {
		t.Errorf("firewall after %s: want the hand-made sections as they were and wgowrt's port rule alone:\n%s\nwant:\n%s", line, got, wantFw)
	}
}

// recordedRule is the port rule adopt recorded in wgowrt's note.
func recordedRule(note string) string {
	if m := regexp.MustCompile(`option port_rule '([^']+)'`).FindStringSubmatch(note); m != nil {
		return m[1]
	}
	return ""
}

// withRulePort is fw with rule id's dest_port old replaced by port.
func withRulePort(fw, id, old, port string) string {
	if id == "" {
		return fw
	}
	blocks := strings.Split(fw, "\nconfig ")
	for i, b := range blocks {
		head, _, _ := strings.Cut(b, "\n")
		if strings.Contains(b, "\toption name '"+id+"'\n") || head == "rule '"+id+"'" {
			blocks[i] = strings.Replace(b, "dest_port '"+old+"'", "dest_port '"+port+"'", 1)
		}
	}
	return strings.Join(blocks, "\nconfig ")
}

// allowedChange: c is the listen port, the recorded rule's dest_port, or
// (ownRule) wgowrt's own port rule.
func allowedChange(c, port string, recorded, move, ownRule bool) bool {
	switch {
	case !move:
		return false
	case c == "network.wg0.listen_port='"+port+"'":
		return true
	case recorded:
		return strings.HasPrefix(c, "firewall.") && strings.HasSuffix(c, ".dest_port='"+port+"'")
	}
	return ownRule && strings.HasPrefix(c, "firewall.wgowrt_wg0_port")
}

// TestAdoptedServerPolicyFlags: a flag that asks for a policy change on
// an adopted server still makes it, and says what it changed: wgowrt's
// sections for that part alone are added (each named in a line), a
// hand-made forwarding the flag turns off is removed when the server's
// zone holds wg0 alone, and is left with a warning when the zone holds
// other networks too (or it is the lan zone's own forward policy).
// Everything else of the hand-made firewall stays as it was.
func TestAdoptedServerPolicyFlags(t *testing.T) {
	const luci, shared, wiki = "testdata/wg/adopt-luci-server.txtar", "testdata/wg/adopt-shared-zone.txtar", "testdata/wg/adopt-wiki-server.txtar"
	luciToWan := "\nconfig forwarding\n\toption src 'vpn'\n\toption dest 'wan'\n"
	cases := []struct {
		file, args string
		lines      []string // on stderr
		own        []string // wgowrt's sections in the firewall after
		gone       string   // the hand-made block removed
	}{
		{luci, "--lan-access routed", []string{"--lan-access on the hand-made firewall of wg0: wgowrt adds firewall.wgowrt_wg0_from_lan (forwarding lan -> vpn)"}, []string{"forwarding 'wgowrt_wg0_from_lan'"}, ""},
		{luci, "--internet=false", []string{"--internet: the hand-made forwarding firewall.@forwarding[2] (vpn -> wan) is removed"}, nil, luciToWan},
		{luci, "--lan-access none", []string{"--lan-access: the hand-made forwarding firewall.@forwarding[1] (vpn -> lan) is removed"}, nil, "\nconfig forwarding\n\toption src 'vpn'\n\toption dest 'lan'\n"},
		{luci, "--router-access all", []string{"warning: zone vpn holding wg0 was not created by wgowrt and is left as is: --router-access all needs its input policy to be ACCEPT"}, nil, ""},
		{luci, "--router-access dns", []string{"wgowrt adds firewall.wgowrt_wg0_dns (rule Allow-DNS-wg0)", "wgowrt adds firewall.wgowrt_wg0_ping (rule Allow-Ping-wg0)"}, []string{"rule 'wgowrt_wg0_dns'", "rule 'wgowrt_wg0_ping'"}, ""},
		{shared, "--internet=false", []string{"warning: --internet: forwarding firewall.@forwarding[1] still forwards guest -> wan and is left as is (zone guest holds guest, wg0 too)"}, nil, ""},
		{wiki, "--lan-access none", []string{"warning: --lan-access: zone lan's forward policy ACCEPT still forwards lan -> lan and is left as is (the zone's own policy)"}, nil, ""},
		{wiki, "--internet=true", []string{"--internet on the hand-made firewall of wg0: wgowrt adds firewall.wgowrt_wg0_wan_masq6 (nat Masq6-wg0-to-wan)"}, []string{"nat 'wgowrt_wg0_wan_masq6'"}, ""},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file)+" "+c.args, func(t *testing.T) {
			useTestDeps(t)
			data, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			a := parseTxtar(string(data))
			root := prepareRoot(t, a)
			mustRun(t, root, strings.TrimSpace(a.files["args"]))
			before := readConf(t, root, "firewall")
			if c.gone != "" && !strings.Contains(before, c.gone) {
				t.Fatalf("no %q in:\n%s", c.gone, before)
			}
			_, stderr, code := run(t, root, "server init --iface wg0 "+c.args, false)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			t.Logf("stderr:\n%s", stderr)
			for _, l := range c.lines {
				if !strings.Contains(stderr, l) {
					t.Errorf("stderr lacks %q:\n%s", l, stderr)
				}
			}
			after := readConf(t, root, "firewall")
			if got, want := strings.TrimSpace(withoutOwnSections(after)), strings.TrimSpace(strings.Replace(before, c.gone, "", 1)); got != want {
				t.Errorf("hand-made firewall after:\n%s\nwant:\n%s", got, want)
			}
			if n := strings.Count(after, "'wgowrt_"); n != len(c.own) {
				t.Errorf("%d sections of wgowrt, want %q:\n%s", n, c.own, after)
			}
			for _, o := range c.own {
				if !strings.Contains(after, "config "+o+"\n") {
					t.Errorf("no %s:\n%s", o, after)
				}
			}
		})
	}
}

// TestAdoptedServerLeftItsZone: once the user takes an adopted server out
// of every zone, no hand-made policy is left to keep: server init gives
// it wgowrt's zone with the policy the note records (as adopt's warning
// for a zone-less server says) and the note forgets firewall 'adopted'.
func TestAdoptedServerLeftItsZone(t *testing.T) {
	useTestDeps(t)
	data, err := os.ReadFile("testdata/wg/adopt-luci-server.txtar")
	if err != nil {
		t.Fatal(err)
	}
	root := prepareRoot(t, parseTxtar(string(data)))
	mustRun(t, root, "adopt wg0 --endpoint vpn.example.com")
	fwPath := filepath.Join(root, "etc/config/firewall")
	fw := strings.Replace(readConf(t, root, "firewall"), "\tlist network 'wg0'\n", "", 1)
	if err := os.WriteFile(fwPath, []byte(fw), 0644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, root, "server init --iface wg0")
	if got := readConf(t, root, "firewall"); !strings.Contains(got, "config zone 'wgowrt_wg0_zone'") {
		t.Errorf("no wgowrt zone:\n%s", got)
	}
	if w := readConf(t, root, "wgowrt"); strings.Contains(w, "option firewall") {
		t.Errorf("the note still marks a hand-made firewall:\n%s", w)
	}
}
