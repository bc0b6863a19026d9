package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClientGolden replays testdata/client/*.txtar, the client and gateway
// scenarios. They use the sections of TestGolden, plus:
//
//	-- conf/<name> --   a file placed in a directory outside the root;
//	                    $CONF in setup and args is that directory
//
// so an imported file never shows up among the router's files.
func TestClientGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/client/*.txtar")
	if len(files) == 0 {
		t.Fatal("no client scenarios")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) { clientGolden(t, f) })
	}
}

func clientGolden(t *testing.T, file string) {
	useTestDeps(t)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	a := parseTxtar(string(data))
	if *update {
		a.dropWant()
	}
	root := prepareRoot(t, a)
	confDir := writeConfs(t, a)
	expand := func(s string) string { return strings.ReplaceAll(s, "$CONF", confDir) }
	for _, line := range nonEmptyLines(a.files["setup"]) {
		if _, e, code := run(t, root, expand(line), false); code != 0 {
			t.Fatalf("setup %q: exit %d: %s", line, code, e)
		}
	}
	args := expand(strings.TrimSpace(a.files["args"]))
	switch {
	case a.files["want/error"] != "" || hasSection(a, "want/error"):
		goldenError(t, a, root, args)
	case readOnly(args):
		goldenRead(t, a, root, args)
	default:
		goldenSuccess(t, a, root, args)
	}
	if *update {
		if err := os.WriteFile(file, []byte(a.format()), 0644); err != nil {
			t.Fatal(err)
		}
	}
}

func hasSection(a *archive, name string) bool {
	_, ok := a.files[name]
	return ok
}

// writeConfs puts the conf/ sections into a fresh directory.
func writeConfs(t *testing.T, a *archive) string {
	dir := t.TempDir()
	for _, n := range a.names {
		if rel, ok := strings.CutPrefix(n, "conf/"); ok {
			if err := os.WriteFile(filepath.Join(dir, rel), []byte(a.files[n]), 0600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// providerConf is a commercial provider's full-tunnel file with every
// secret the output must hide.
const providerConf = `[Interface]
PrivateKey = oEbI2kanjMsWX4GFzJ8jvzxSTJ6+RvuBAQ7pzTlCImE=
Address = 10.64.0.2/32
DNS = 10.64.0.1

[Peer]
PublicKey = NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk=
PresharedKey = KGqBl0MtRnrJCOWX38+PKyRDEINezmkToIZ18vXZ7lE=
AllowedIPs = 0.0.0.0/0
Endpoint = 198.51.100.7:51820
`

// TestClientImportStdin reads the file from stdin ("-"): the interface is
// then called wgc, and a second import changes nothing.
func TestClientImportStdin(t *testing.T) {
	useTestDeps(t)
	root := t.TempDir()
	copyTree(t, "testdata/wg/roots/stock", root)
	runStdin := func() (string, string, int) {
		var o, e bytes.Buffer
		code := Main([]string{"wgowrt", "--root", root, "client", "import", "-", "--kill-switch"}, strings.NewReader(providerConf), &o, &e)
		return o.String(), e.String(), code
	}
	if _, e, code := runStdin(); code != 0 {
		t.Fatalf("import from stdin: exit %d: %s", code, e)
	}
	before := snapshot(t, root)
	if !strings.Contains(before["etc/config/network"], "config interface 'wgc'") {
		t.Errorf("no interface wgc written:\n%s", before["etc/config/network"])
	}
	if _, e, code := runStdin(); code != 0 || !strings.Contains(e, "nothing to change") {
		t.Errorf("second import: exit %d: %s", code, e)
	}
	if after := snapshot(t, root); !equalMaps(before, after) {
		t.Errorf("second import changed %v", diffKeys(before, after))
	}
}

// TestClientSecretsHidden: neither the private nor the preshared key of
// the file appears in any output, dry run or error.
func TestClientSecretsHidden(t *testing.T) {
	useTestDeps(t)
	root := t.TempDir()
	copyTree(t, "testdata/wg/roots/stock", root)
	conf := filepath.Join(t.TempDir(), "vpn.conf")
	broken := strings.Replace(providerConf, "Address = 10.64.0.2/32", "Address = 10.64.0.2/32\nPrivateKey = oEbI2kanjMsWX4GFzJ8jvzxSTJ6+RvuBAQ7pzTlCImX=", 1)
	secrets := []string{"oEbI2kanjMsWX4GFzJ8jvzxSTJ6+RvuBAQ7pzTlCImE=", "KGqBl0MtRnrJCOWX38+PKyRDEINezmkToIZ18vXZ7lE=", "oEbI2kanjMsWX4GFzJ8jvzxSTJ6+RvuBAQ7pzTlCImX="}
	for _, tc := range []struct {
		conf string
		args []string
	}{
		{providerConf, []string{"--dry-run", "client", "import", conf}},
		{providerConf, []string{"client", "import", conf}},
		{providerConf, []string{"--json", "client", "show", "--iface", "vpn"}},
		{broken, []string{"client", "import", conf, "--iface", "other"}},
		{strings.Replace(providerConf, "KGqB", "KGq!", 1), []string{"client", "import", conf, "--iface", "other"}},
	} {
		if err := os.WriteFile(conf, []byte(tc.conf), 0600); err != nil {
			t.Fatal(err)
		}
		var o, e bytes.Buffer
		Main(append([]string{"wgowrt", "--root", root}, tc.args...), strings.NewReader(""), &o, &e)
		for _, s := range secrets {
			if strings.Contains(o.String()+e.String(), s) || strings.Contains(o.String()+e.String(), s[:20]) {
				t.Errorf("%v printed a key:\n%s%s", tc.args, o.String(), e.String())
			}
		}
	}
}
