package cli

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// runTree runs a small command tree through the real dispatcher.
func runTree(t *testing.T, cmd *Command, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e}
	code = exitCode(runCommand(env, cmd, cmd.Name, args), &e)
	return o.String(), e.String(), code
}

func TestParseFlagsAnywhere(t *testing.T) {
	var got *Context
	cmd := &Command{Name: "add", Flags: []Flag{
		&StringFlag{Name: "output", Aliases: []string{"o"}},
		&StringSliceFlag{Name: "dns"},
		&BoolFlag{Name: "psk"},
		&IntFlag{Name: "keepalive", Value: 25},
	}, Action: func(c *Context) error { got = c; return nil }}
	f := strings.Fields
	cases := []struct {
		args       []string
		pos        []string
		out        string
		dns        []string
		psk, outOK bool
		keepalive  int
	}{
		{f("phone"), []string{"phone"}, "", nil, false, false, 25},
		{f("phone --psk -o f.conf"), []string{"phone"}, "f.conf", nil, true, true, 25},
		{f("--output=x a b"), []string{"a", "b"}, "x", nil, false, true, 25},
		{f("a --dns 1.1.1.1,9.9.9.9 --dns 8.8.8.8 --keepalive 0"), []string{"a"}, "", []string{"1.1.1.1", "9.9.9.9", "8.8.8.8"}, false, false, 0},
		{[]string{"a", "--dns", " 1.1.1.1 , 2.2.2.2"}, []string{"a"}, "", []string{"1.1.1.1", "2.2.2.2"}, false, false, 25},
		{f("a -- --psk -o"), []string{"a", "--psk", "-o"}, "", nil, false, false, 25},
		{f("-psk=false a -"), []string{"a", "-"}, "", nil, false, false, 25},
	}
	for _, tc := range cases {
		got = nil
		if _, e, code := runTree(t, cmd, tc.args...); code != 0 || got == nil {
			t.Fatalf("%q: exit %d: %s", tc.args, code, e)
		}
		if !reflect.DeepEqual([]string(got.Args()), tc.pos) && !(len(tc.pos) == 0 && got.NArg() == 0) {
			t.Errorf("%q: positional %q, want %q", tc.args, got.Args(), tc.pos)
		}
		if got.String("output") != tc.out || got.String("o") != tc.out || got.IsSet("output") != tc.outOK || got.IsSet("o") != tc.outOK {
			t.Errorf("%q: output %q (set %v), want %q (set %v)", tc.args, got.String("output"), got.IsSet("output"), tc.out, tc.outOK)
		}
		if !reflect.DeepEqual(got.StringSlice("dns"), tc.dns) || got.Bool("psk") != tc.psk || got.Int("keepalive") != tc.keepalive {
			t.Errorf("%q: dns %q psk %v keepalive %d", tc.args, got.StringSlice("dns"), got.Bool("psk"), got.Int("keepalive"))
		}
	}
}

func TestParseErrorsAreOneLineUsage(t *testing.T) {
	group := &Command{Name: "peer", Subcommands: []*Command{{Name: "add", Flags: []Flag{
		&StringFlag{Name: "endpoint", Required: true}, &StringSliceFlag{Name: "address", Required: true},
		&IntFlag{Name: "port"},
	}, Action: func(*Context) error { return nil }}}}
	cases := []struct{ args, want string }{
		{"add --bogus", "wgowrt: flag provided but not defined: -bogus\n"},
		{"add x --port", "wgowrt: flag needs an argument: -port\n"},
		{"add --port abc", `wgowrt: invalid value "abc" for flag -port: parse error` + "\n"},
		{"add --endpoint e", `wgowrt: Required flag "address" not set` + "\n"},
		{"add", `wgowrt: Required flags "endpoint, address" not set` + "\n"},
		{"nope x", `wgowrt: unknown command "nope" (see 'wgowrt --help')` + "\n"},
		{"--bogus add", "wgowrt: flag provided but not defined: -bogus\n"},
	}
	for _, tc := range cases {
		o, e, code := runTree(t, group, strings.Fields(tc.args)...)
		if code != ExitUsage || e != tc.want || o != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, o, e, tc.want)
		}
	}
}

func TestFlagsFirstLeavesTheRest(t *testing.T) {
	var got []string
	cmd := &Command{Name: "call", FlagsFirst: true, Action: func(c *Context) error { got = c.Args(); return nil }}
	if _, e, code := runTree(t, cmd, "status", "--json"); code != 0 || !reflect.DeepEqual(got, []string{"status", "--json"}) {
		t.Errorf("exit %d (%s), args %q", code, e, got)
	}
}

func TestSkipFlagParsingPassesArgsAsWritten(t *testing.T) {
	var got []string
	cmd := &Command{Name: "uci", SkipFlagParsing: true, Action: func(c *Context) error { got = c.Args(); return nil }}
	if _, _, code := runTree(t, cmd, "-q", "--help", "--", "x"); code != 0 || !reflect.DeepEqual(got, []string{"-q", "--help", "--", "x"}) {
		t.Errorf("exit %d, args %q", code, got)
	}
}

// TestHelp: `wgowrt --help`, `wgowrt` alone, a group alone and `CMD --help`
// print usage on stdout and exit 0; hidden commands and flags stay out.
func TestHelp(t *testing.T) {
	for _, args := range []string{"wgowrt", "wgowrt --help", "wgowrt -h"} {
		o, e, code := mainRun(args)
		if code != 0 || e != "" || !strings.HasPrefix(o, "Usage: wgowrt ") {
			t.Fatalf("%s: exit %d, stderr %q, stdout %q", args, code, e, o)
		}
		for _, w := range []string{"\n  peer ", "\n  server ", "\n  uci ", "\n  rpcd ", "--dry-run, -n", "--confirm[=SECONDS]", "--version, -v", "--root DIR"} {
			if !strings.Contains(o, w) {
				t.Errorf("%s: no %q in\n%s", args, w, o)
			}
		}
		if strings.Contains(o, "\n  call ") || strings.Contains(o, "\n  list ") {
			t.Errorf("%s: hidden rpcd commands listed:\n%s", args, o)
		}
	}
	o, _, code := mainRun("wgowrt peer add --help")
	for _, w := range []string{"Usage: wgowrt peer add [OPTIONS] NAME", "--output FILE, -o FILE", "--dns VALUE", "--psk ", "--help, -h"} {
		if code != 0 || !strings.Contains(o, w) {
			t.Errorf("peer add --help: exit %d, no %q in\n%s", code, w, o)
		}
	}
	o, _, code = mainRun("wgowrt peer")
	if code != 0 || !strings.Contains(o, "Usage: wgowrt peer COMMAND") || !strings.Contains(o, "\n  rename ") {
		t.Errorf("peer: exit %d\n%s", code, o)
	}
	o, _, code = mainRun("wgowrt rollback -h")
	if code != 0 || strings.Contains(o, "--boot") || !strings.Contains(o, "Usage: wgowrt rollback") {
		t.Errorf("rollback -h: exit %d, hidden flags shown?\n%s", code, o)
	}
}

func TestVersionFlag(t *testing.T) {
	for _, args := range []string{"wgowrt --version", "wgowrt -v", "wgowrt version", "wgowrt --root /nonexistent --version"} {
		if o, e, code := mainRun(args); code != 0 || o != "wgowrt "+Version+"\n" {
			t.Errorf("%s: exit %d, %q %q", args, code, o, e)
		}
	}
}

func mainRun(args string) (string, string, int) {
	var o, e bytes.Buffer
	code := Main(strings.Fields(args), strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}
