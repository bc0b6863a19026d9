package store

import (
	"regexp"
	"testing"
)

// TestTmpNamesAsTheRegexps: the hand-written matchers of temp file names
// answer what the regular expressions they replace answered.
func TestTmpNamesAsTheRegexps(t *testing.T) {
	config := regexp.MustCompile(`^\.([A-Za-z0-9_-]+)\.(?:uci|wgowrt)-[0-9]+$`)
	journal := regexp.MustCompile(`^\.wgowrt-journal-[0-9]+$`)
	staging := regexp.MustCompile(`^wgowrt-uci-[0-9]+$`)
	names := []string{".network.uci-123", ".network.wgowrt-9", ".fire_wall-2.uci-0", ".network.uci-", ".network.uci-12a",
		"network.uci-1", "..uci-1", ".a.b.uci-1", ".net work.uci-1", ".network.uci-1.bak", ".network.wgowrt-", ".x.uci-1 ",
		".wgowrt-journal-42", ".wgowrt-journal-", ".wgowrt-journal-4x", "wgowrt-journal-4", ".wgowrt-journal",
		"wgowrt-uci-7", "wgowrt-uci-", "wgowrt-uci-7-", "xwgowrt-uci-7", ".wgowrt-uci-7", "", ".", ".é.uci-1", ".network.UCI-1"}
	for _, n := range names {
		want := ""
		if m := config.FindStringSubmatch(n); m != nil {
			want = m[1]
		}
		if got := tmpConfigPackage(n); got != want {
			t.Errorf("tmpConfigPackage(%q) = %q, the regexp %q", n, got, want)
		}
		if got, want := isTmpJournal(n), journal.MatchString(n); got != want {
			t.Errorf("isTmpJournal(%q) = %v, the regexp %v", n, got, want)
		}
		if got, want := isTmpStaging(n), staging.MatchString(n); got != want {
			t.Errorf("isTmpStaging(%q) = %v, the regexp %v", n, got, want)
		}
	}
}
