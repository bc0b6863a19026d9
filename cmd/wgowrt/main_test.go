package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests run the real binary, built with the version injected the way
// release builds do, to prove main's wiring: exit codes, streams, flags.

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wgowrt-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "wgowrt")
	build := exec.Command("go", "build", "-ldflags",
		"-X github.com/wgowrt/wgowrt/internal/cli.Version=1.2.3-test", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

func TestVersionInjected(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, code := run(t, "", args...)
		if code != 0 || out != "wgowrt 1.2.3-test\n" {
			t.Errorf("%v: %q exit %d", args, out, code)
		}
	}
	out, _, _ := run(t, "", "--json", "version")
	if !strings.Contains(out, `"wgowrt": "1.2.3-test"`) || !strings.Contains(out, `"version": 1`) {
		t.Errorf("json version: %s", out)
	}
}

func TestExitCodes(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/config"), 0755)
	os.WriteFile(filepath.Join(root, "etc/config/net"), []byte("config a 'x'\nconfig b 'x'\n"), 0600)
	os.WriteFile(filepath.Join(root, "etc/config/ok"), []byte("config a 'x'\n"), 0600)
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--no-such-flag"}, 2, "no-such-flag"},
		{[]string{"no-such-command"}, 2, "no-such-command"},
		{[]string{"--root", root, "uci", "export", "net"}, 1, "line 2"},
		{[]string{"--root", root, "uci", "get", "ok.nosuch"}, 1, "Entry not found"},
		{[]string{"--root", root, "uci", "frobnicate"}, 2, "frobnicate"},
	}
	for _, c := range cases {
		_, stderr, code := run(t, "", c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) || strings.Count(stderr, "\n") < 1 {
			t.Errorf("%v: exit %d stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.err)
		}
	}
}

func TestUCIBatchThroughBinary(t *testing.T) {
	root := t.TempDir()
	conf := filepath.Join(root, "etc/config")
	os.MkdirAll(conf, 0755)
	os.WriteFile(filepath.Join(conf, "network"), []byte("config interface 'lan'\n\toption proto 'static'\n"), 0600)
	_, stderr, code := run(t, "set network.lan.ipaddr='192.168.1.1'\nadd_list network.lan.dns=1.1.1.1\ncommit network\n", "--root", root, "uci", "batch")
	if code != 0 || stderr != "" {
		t.Fatalf("batch: %d %s", code, stderr)
	}
	got, _ := os.ReadFile(filepath.Join(conf, "network"))
	want := "\nconfig interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\tlist dns '1.1.1.1'\n\n"
	if string(got) != want {
		t.Errorf("file:\n%q\nwant\n%q", got, want)
	}
	st, _ := os.Stat(filepath.Join(conf, "network"))
	if st.Mode().Perm() != 0600 {
		t.Errorf("mode %v, want 0600 kept", st.Mode().Perm())
	}
}
