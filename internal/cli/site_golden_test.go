package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSiteGolden replays testdata/site/*.txtar: site-to-site and
// point-to-site scenarios (site, access, expose, lan-route) in the format
// of TestGolden, with the same idempotence check. `site invite` and
// `lan-route` without --dhcp only read.
func TestSiteGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/site/*.txtar")
	if len(files) == 0 {
		t.Fatal("no site scenarios")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) { siteGolden(t, f) })
	}
}

func siteGolden(t *testing.T, file string) {
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
	for _, line := range nonEmptyLines(a.files["setup"]) {
		if _, e, code := run(t, root, line, false); code != 0 {
			t.Fatalf("setup %q: exit %d: %s", line, code, e)
		}
	}
	args := strings.TrimSpace(a.files["args"])
	switch _, failing := a.files["want/error"]; {
	case failing:
		goldenError(t, a, root, args)
	case siteReadOnly(args):
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

func siteReadOnly(args string) bool {
	return readOnly(args) || strings.Contains(args, "site invite") ||
		strings.HasPrefix(args, "lan-route") && !strings.Contains(args, "--dhcp")
}
