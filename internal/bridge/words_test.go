package bridge

import (
	"regexp"
	"strings"
	"testing"
)

// TestForLuCIAsTheRegexps: the hand-written matchers of forLuCI and
// sectionName answer what the regular expressions they replace answered.
func TestForLuCIAsTheRegexps(t *testing.T) {
	useAutoRe := regexp.MustCompile(`use --[a-z0-9-]+ auto\b`)
	withFlagRe := regexp.MustCompile(` with --iface\b`)
	seeCmdRe := regexp.MustCompile(` \(see 'wgowrt [^']*'\)`)
	initCmdRe := regexp.MustCompile(`with 'wgowrt server init[^']*'`)
	flagRe := regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	expiryRe := regexp.MustCompile(`with 'wgowrt peer set [^']*' \([^)]*\)`)
	old := func(msg string) string {
		msg = useAutoRe.ReplaceAllString(msg, "use auto")
		msg = withFlagRe.ReplaceAllString(msg, "")
		msg = seeCmdRe.ReplaceAllString(msg, "")
		msg = initCmdRe.ReplaceAllString(msg, "on the Setup page")
		msg = expiryRe.ReplaceAllString(msg, "with Expiry… (a date, a duration such as 7d, or never)")
		return flagRe.ReplaceAllStringFunc(msg, func(f string) string {
			if w, ok := argWords[f[2:]]; ok {
				return w
			}
			return strings.ReplaceAll(f[2:], "-", " ")
		})
	}
	msgs := []string{
		"--subnet 10.0.0.0/8 overlaps lan: use --subnet auto or another one",
		"use --ipv6 autox", "use --ipv6 auto", "use -- auto", "use --IPv6 auto", "use --a-b auto.",
		"no server wg0 with --iface here", "no server with --iface", "no server with --ifacex", "with --iface_",
		"peer x exists (see 'wgowrt peer show x')", "(see 'wgowrt peer show x'", " (see 'wgowrt x' )",
		"create one with 'wgowrt server init --endpoint HOST' first", "with 'wgowrt server init", "with 'wgowrt server init x",
		"expired: renew it with 'wgowrt peer set phone --expires DATE' (or --for 7d)", "with 'wgowrt peer set x' (y",
		"---x", "--", "--9", "-- x", "--psk-file and --remote-subnet", "a--b--c", "--kill-switch, --lan-access=x",
		"", "plain", "é --dns é",
	}
	for _, m := range msgs {
		if got, want := forLuCI(m), old(m); got != want {
			t.Errorf("forLuCI(%q) = %q, the regexps %q", m, got, want)
		}
	}
	section := regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	for _, s := range []string{"wg0", "", "wg-0", "a b", strings.Repeat("a", 64), strings.Repeat("a", 65), "é", "WG_1", "wg0\n"} {
		if got, want := sectionName(s), section.MatchString(s); got != want {
			t.Errorf("sectionName(%q) = %v, the regexp %v", s, got, want)
		}
	}
}
