// Package conformance finds the shared conformance corpus (behaviour
// recorded from OpenWrt's own tools) for tests.
package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory: $WGOWRT_CONFORMANCE, or shared/conformance
// found by walking up from the working directory (CI checks the repository
// out with shared/ beside it). When it is missing the test is skipped,
// except under CI, where a missing corpus fails.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("WGOWRT_CONFORMANCE"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		c := filepath.Join(d, "shared", "conformance")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("WGOWRT_REQUIRE_PRIVILEGED") != "" {
		t.Fatalf("conformance corpus not found above %s (set WGOWRT_CONFORMANCE)", wd)
	}
	t.Skipf("conformance corpus not found above %s; set WGOWRT_CONFORMANCE=/path/to/shared/conformance", wd)
	return ""
}

// Cases returns the *.txtar files of one corpus subdirectory, failing the
// test when there are none.
func Cases(t testing.TB, sub string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(Dir(t), sub, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance cases in %s: %v", sub, err)
	}
	return files
}
