package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/oracletest"
)

// TestMain takes down the real-OpenWrt namespace the golden checks start.
func TestMain(m *testing.M) {
	code := m.Run()
	oracletest.Stop()
	os.Exit(code)
}

// oracleCheck runs the scenario's resulting tree through the real uci,
// netifd, fw4 and nft (internal/oracletest), as a subtest "openwrt". A
// tree no wgowrt command wrote (no setup; the command failed or only
// read) is the hand-written input: only uci show compares it.
func oracleCheck(t *testing.T, a *archive, root, args string) {
	t.Helper()
	_, failed := a.files["want/error"]
	written := strings.TrimSpace(a.files["setup"]) != "" || !failed && !readOnly(args)
	oracletest.CheckTree(t, root, written, wrote(t, a, root), wgowrtUCI)
}

// wgowrtUCI is `wgowrt uci ARGS...`.
func wgowrtUCI(args ...string) (string, string, int) {
	var o, e bytes.Buffer
	code := Main(append([]string{"wgowrt", "uci"}, args...), strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

// oracleCheckAnswer checks the tree an rpcd answer leads to: its edits
// staged with the real uci batch, or the root as the setup left it.
// With a cli section, the staged tree must also show like the one that
// command writes on a fresh copy of the root.
func oracleCheckAnswer(t *testing.T, a *archive, root, answer string) {
	t.Helper()
	written := strings.TrimSpace(a.files["setup"]) != ""
	cliConf := ""
	if cli := strings.TrimSpace(a.files["cli"]); cli != "" && !*update {
		useTestDeps(t) // the same keys as the call's
		fresh := prepareRoot(t, a)
		runSetup(t, fresh, a.files["setup"])
		if _, e, code := run(t, fresh, strings.ReplaceAll(cli, "$ROOT", fresh), false); code != 0 {
			t.Fatalf("%q: exit %d: %s", cli, code, e)
		}
		cliConf = filepath.Join(fresh, "etc/config")
	}
	oracletest.CheckAnswer(t, root, written, wrote(t, a, root), a.files["args"], answer, cliConf, wgowrtUCI)
}

// wrote lists the configs under root that differ from the scenario's
// input (its base and in/ files): the ones wgowrt wrote.
func wrote(t *testing.T, a *archive, root string) []string {
	input := prepareRoot(t, a)
	var out []string
	for _, p := range oracletest.Packages {
		rel := filepath.Join("etc/config", p)
		now, err1 := os.ReadFile(filepath.Join(root, rel))
		was, err2 := os.ReadFile(filepath.Join(input, rel))
		if err1 == nil && (err2 != nil || string(now) != string(was)) {
			out = append(out, p)
		}
	}
	return out
}
