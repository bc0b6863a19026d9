package cli

import (
	"bytes"
	"os"
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
// fw4 and nft (internal/oracletest), as a subtest "openwrt".
func oracleCheck(t *testing.T, root string) {
	t.Helper()
	oracletest.CheckTree(t, root, wgowrtUCI)
}

// wgowrtUCI is `wgowrt uci ARGS...`.
func wgowrtUCI(args ...string) (string, string, int) {
	var o, e bytes.Buffer
	code := Main(append([]string{"wgowrt", "uci"}, args...), strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

// oracleCheckAnswer checks the tree an rpcd answer leads to: its edits
// staged with the real uci batch, or the root as the call left it.
func oracleCheckAnswer(t *testing.T, root, args, answer string) {
	t.Helper()
	oracletest.CheckAnswer(t, root, args, answer, wgowrtUCI)
}
