package uci

import (
	"strings"
	"testing"
)

// Edit semantics beyond the conformance corpus, each checked against what
// libuci does (list.c) or, where libuci would corrupt a file, against the
// refusal documented on the operation.

const base = `
config interface 'lan'
	option proto 'static'
	list dns '1.1.1.1'
	list dns '9.9.9.9'
	list dns '1.1.1.1'

config zone
	option name 'lan'

config zone
	option name 'wan'

config rule
	option name 'r'
`

func mustParse(t *testing.T, src string) *Package {
	t.Helper()
	p, err := Parse("network", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr(t *testing.T, s string) Ptr {
	t.Helper()
	p, err := ParsePtr(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func changes(p *Package) string {
	var b strings.Builder
	for _, d := range p.Unsaved() {
		b.WriteString(d.ChangeLine(p.Name))
	}
	return b.String()
}

func TestEdits(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(p *Package) error
		show    string // expected show of the touched section(s), via ShowOptions{}
		changes string
	}{
		{"set same value records nothing", func(p *Package) error { _, err := p.Set(ptr(t, "network.lan.proto=static")); return err },
			"", ""},
		{"del_list removes every equal item", func(p *Package) error { return p.DelList(ptr(t, "network.lan.dns=1.1.1.1")) },
			"network.lan.dns='9.9.9.9'\n", "network.lan.dns-='1.1.1.1'\n"},
		{"delete by list index", func(p *Package) error { return p.Delete(ptr(t, "network.lan.dns=1")) },
			"network.lan.dns='1.1.1.1' '1.1.1.1'\n", "-network.lan.dns\n"},
		{"add_list turns an option into a list", func(p *Package) error { return p.AddList(ptr(t, "network.lan.proto=dhcp")) },
			"network.lan.proto='static' 'dhcp'\n", "network.lan.proto+='dhcp'\n"},
		{"set section type", func(p *Package) error { _, err := p.Set(ptr(t, "network.lan=device")); return err },
			"network.lan=device\n", "network.lan='device'\n"},
		{"rename option", func(p *Package) error { return p.Rename(ptr(t, "network.lan.proto=protocol")) },
			"network.lan.protocol='static'\n", "network.lan.proto='protocol'\n"},
		{"rename anonymous section names it", func(p *Package) error { return p.Rename(ptr(t, "network.@zone[-1]=wan_zone")) },
			"network.wan_zone=zone\n", "network.cfg03dc81='wan_zone'\n"},
		{"set by negative index", func(p *Package) error { _, err := p.Set(ptr(t, "network.@zone[-2].input=ACCEPT")); return err },
			"network.@zone[0].input='ACCEPT'\n", "network.cfg02dc81.input='ACCEPT'\n"},
		{"delete anonymous section", func(p *Package) error { return p.Delete(ptr(t, "network.@zone[0]")) },
			"network.@zone[0].name='wan'\n", "-network.cfg02dc81\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, base)
			if err := c.edit(p); err != nil {
				t.Fatal(err)
			}
			show := string(p.Show(ShowOptions{}))
			for _, line := range strings.SplitAfter(c.show, "\n") {
				if line != "" && !strings.Contains(show, line) {
					t.Errorf("show lacks %q:\n%s", line, show)
				}
			}
			if got := changes(p); got != c.changes {
				t.Errorf("changes %q, want %q", got, c.changes)
			}
		})
	}
}

func TestEditRefusals(t *testing.T) {
	cases := []struct {
		name string
		edit func(p *Package) error
		code Code
	}{
		{"option in missing section", func(p *Package) error { _, err := p.Set(ptr(t, "network.nosuch.x=1")); return err }, ErrInval},
		{"new section named like an index", func(p *Package) error { _, err := p.Set(ptr(t, "network.@zone[9]=zone")); return err }, ErrInval},
		{"bad section type", func(p *Package) error { _, err := p.Set(ptr(t, "network.x=a b")); return err }, ErrInval},
		{"rename to invalid name", func(p *Package) error { return p.Rename(ptr(t, "network.lan=my-lan")) }, ErrInval},
		{"rename onto existing section", func(p *Package) error { return p.Rename(ptr(t, "network.@rule[0]=lan")) }, ErrDuplicate},
		{"delete missing", func(p *Package) error { return p.Delete(ptr(t, "network.lan.nosuch")) }, ErrNotFound},
		{"malformed index", func(p *Package) error { return p.Delete(ptr(t, "network.@zone[x]")) }, ErrInval},
		{"add with invalid type", func(p *Package) error { _, err := p.Add("has space"); return err }, ErrInval},
		{"named section of other type", func(p *Package) error { _, err := p.NewSection("zone", "lan"); return err }, ErrDuplicate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, base)
			before := string(p.Export(false))
			err := c.edit(p)
			if CodeOf(err) != c.code {
				t.Fatalf("error %v, want code %d", err, c.code)
			}
			if string(p.Export(false)) != before || len(p.Unsaved()) != 0 {
				t.Errorf("refused edit changed the package")
			}
		})
	}
}

func TestReorder(t *testing.T) {
	for _, c := range []struct {
		pos  int
		want string
	}{{0, "rule lan zone zone"}, {2, "lan zone rule zone"}, {99, "lan zone zone rule"}} {
		p := mustParse(t, base)
		p.Reorder(p.SectionsOfType("rule")[0], c.pos)
		var got []string
		for _, s := range p.Sections {
			if s.Anonymous {
				got = append(got, s.Type)
			} else {
				got = append(got, s.Name)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("reorder to %d: %v, want %s", c.pos, got, c.want)
		}
		if ch := changes(p); !strings.HasPrefix(ch, "network.cfg04") || !strings.HasSuffix(ch, "='"+itoa(c.pos)+"'\n") {
			t.Errorf("reorder change %q", ch)
		}
	}
}

func TestHighLevelHelpersAreIdempotent(t *testing.T) {
	p := mustParse(t, base)
	for i := 0; i < 2; i++ {
		if _, err := p.NewSection("interface", "wg0"); err != nil {
			t.Fatal(err)
		}
		if err := p.SetOption("wg0", "proto", "wireguard"); err != nil {
			t.Fatal(err)
		}
		if err := p.SetList("wg0", "addresses", []string{"10.0.0.1/24", "fd00::1/64"}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			p.delta = nil
		}
	}
	if ch := changes(p); ch != "" {
		t.Errorf("second identical run recorded %q", ch)
	}
	if got := p.Section("wg0").List("addresses"); strings.Join(got, ",") != "10.0.0.1/24,fd00::1/64" {
		t.Errorf("addresses %v", got)
	}
}

func TestParseSyntax(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"semicolons after quoted values", "config a 'x'; option b '1'; option c '2'\n",
			"\nconfig a 'x'\n\toption b '1'\n\toption c '2'\n\n"},
		{"backslash joins lines", "config a 'x'\n\toption b one\\\ntwo\n", "\nconfig a 'x'\n\toption b 'onetwo'\n\n"},
		{"multi-line quoted value", "config a 'x'\n\toption b 'l1\nl2'\n", "\nconfig a 'x'\n\toption b 'l1\nl2'\n\n"},
		{"CRLF line ends", "config a 'x'\r\n\toption b 'v'\r\n", "\nconfig a 'x'\n\toption b 'v'\n\n"},
		{"short keywords", "c a 'x'\n\to b 'v'\n\tl c 'w'\n", "\nconfig a 'x'\n\toption b 'v'\n\tlist c 'w'\n\n"},
		{"joined quotes", "config a 'x'\n\toption b 'it'\\''s'\"\"\n", "\nconfig a 'x'\n\toption b 'it'\\''s'\n\n"},
		{"no final newline", "config a 'x'\n\toption b v", "\nconfig a 'x'\n\toption b 'v'\n\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse("t", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(p.Export(false)); got != c.want {
				t.Errorf("got %q want %q", got, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src, reason string
		line        int
	}{
		{"config a 'x' extra\n", "too many arguments", 1},
		{"config\n", "invalid command", 1},
		{"config a 'x'\n\toption\n", "invalid command", 2},
		{"config a 'x'\n\toption 'b'\n", "", 0},
		{"package my-pkg\nconfig a\n", "", 0},
		{"package bad.name\n", "invalid character in name field", 1},
		{"config 'a\x01' x\n", "invalid character in type field", 1},
	}
	for _, c := range cases {
		_, err := Parse("t", []byte(c.src))
		if c.reason == "" {
			if err != nil {
				t.Errorf("%q: unexpected %v", c.src, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Reason != c.reason || e.Line != c.line {
			t.Errorf("%q: got %v, want %q at line %d", c.src, err, c.reason, c.line)
		}
	}
}

func TestGetQuotesOnlyListItemsWithSpace(t *testing.T) {
	p := mustParse(t, "config a 'x'\n\toption o 'has space'\n\tlist l 'one'\n\tlist l 'two words'\n")
	s := p.Section("x")
	if got := string(GetValue(s.Option("o"), "")); got != "has space\n" {
		t.Errorf("get option %q", got)
	}
	if got := string(GetValue(s.Option("l"), ",")); got != "one,'two words'\n" {
		t.Errorf("get list %q", got)
	}
}

func TestShowNoExtended(t *testing.T) {
	p := mustParse(t, "config zone\n\toption name 'lan'\n")
	if got := string(p.Show(ShowOptions{NoExtended: true})); got != "network.cfg01dc81=zone\nnetwork.cfg01dc81.name='lan'\n" {
		t.Errorf("show -X: %q", got)
	}
}

func TestChangesKnowTheSectionType(t *testing.T) {
	p := mustParse(t, base)
	p.Delete(ptr(t, "network.@zone[0]"))
	p.Rename(ptr(t, "network.lan=home"))
	p.SetOption("home", "mtu", "1400")
	var got []string
	for _, d := range p.Unsaved() {
		got = append(got, d.SectionType)
	}
	if strings.Join(got, " ") != "zone interface interface" {
		t.Errorf("section types %v", got)
	}
}
