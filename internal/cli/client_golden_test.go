package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
