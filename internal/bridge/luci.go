package bridge

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/wgowrt/wgowrt/internal/rpcd"
)

// The plans explain themselves in the command line's words ("--route
// 10.0.0.0/8 overlaps …; use --ip auto"). A LuCI user never saw those
// flags: the bridge says the same in the words of the form, and drops
// advice to run a command.

// argWords names each flag by what the page calls it.
var argWords = map[string]string{
	"ip": "address", "iface": "interface", "psk": "preshared key", "psk-file": "preshared key",
	"remote-subnet": "remote subnet", "local-subnet": "local subnet", "allowed": "allowed prefix",
	"allow": "service", "lan": "LAN", "public-key": "public key", "keep-private-key": "keep private key",
	"lan-access": "LAN access", "kill-switch": "kill switch", "ipv6": "IPv6", "dns": "DNS",
	"expires": "expiry", "for": "expiry", // one Expires field takes both
}

// forLuCI rewrites a message in the page's words. (Matched by hand:
// regexp would cost the binary ~150 KB.)
func forLuCI(msg string) string {
	msg = replaceMatches(msg, useAuto, func(string) string { return "use auto" })
	msg = replaceMatches(msg, literalWord(" with --iface"), func(string) string { return "" })
	msg = replaceMatches(msg, quoted(" (see 'wgowrt ", ")"), func(string) string { return "" })
	msg = replaceMatches(msg, quoted("with 'wgowrt server init", ""), func(string) string { return "on the Setup page" })
	msg = replaceMatches(msg, expiryAdvice, func(string) string { return "with Expiry… (a date, a duration such as 7d, or never)" })
	return replaceMatches(msg, flag, func(f string) string {
		name := f[2:]
		if w, ok := argWords[name]; ok {
			return w
		}
		return strings.ReplaceAll(name, "-", " ")
	})
}

// A matcher says how long a match starting at s[0] is (0: none).
type matcher func(s string) int

// replaceMatches replaces, left to right, each non-overlapping match.
func replaceMatches(s string, m matcher, repl func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := m(s[i:]); n > 0 {
			b.WriteString(repl(s[i : i+n]))
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isFlagChar(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' }

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// flagRun is the length of the run of flag characters at the start of s.
func flagRun(s string) int {
	n := 0
	for n < len(s) && isFlagChar(s[n]) {
		n++
	}
	return n
}

// flag matches --name (name: a lower-case letter, then a-z 0-9 -).
func flag(s string) int {
	if !strings.HasPrefix(s, "--") || len(s) < 3 || s[2] < 'a' || s[2] > 'z' {
		return 0
	}
	return 2 + flagRun(s[2:])
}

// useAuto matches "use --FLAG auto" ending at a word boundary.
func useAuto(s string) int {
	if !strings.HasPrefix(s, "use --") {
		return 0
	}
	n := flagRun(s[len("use --"):])
	if n == 0 {
		return 0
	}
	a := literalWord(" auto")(s[len("use --")+n:])
	if a == 0 {
		return 0
	}
	return len("use --") + n + a
}

// literalWord matches lit ending at a word boundary.
func literalWord(lit string) matcher {
	return func(s string) int {
		if !strings.HasPrefix(s, lit) || len(s) > len(lit) && isWordChar(s[len(lit)]) {
			return 0
		}
		return len(lit)
	}
}

// quoted matches prefix, anything up to the next "'", that quote, then
// after (when not "").
func quoted(prefix, after string) matcher {
	return func(s string) int {
		if !strings.HasPrefix(s, prefix) {
			return 0
		}
		q := strings.IndexByte(s[len(prefix):], '\'')
		if q < 0 {
			return 0
		}
		n := len(prefix) + q + 1
		if !strings.HasPrefix(s[n:], after) {
			return 0
		}
		return n + len(after)
	}
}

// expiryAdvice matches "with 'wgowrt peer set …' (…)".
func expiryAdvice(s string) int {
	n := quoted("with 'wgowrt peer set ", " (")(s)
	if n == 0 {
		return 0
	}
	end := strings.IndexByte(s[n:], ')')
	if end < 0 {
		return 0
	}
	return n + end + 1
}

// inLuCIWords wraps a method so that its errors read in the page's
// words. (Warnings and notes of a successful plan still name flags; the
// page shows them as the plan's explanation.)
func inLuCIWords(call func(json.RawMessage) (any, error)) func(json.RawMessage) (any, error) {
	return func(args json.RawMessage) (any, error) {
		v, err := call(args)
		if err == nil {
			return v, nil
		}
		var e *rpcd.Error
		if errors.As(err, &e) {
			c := *e
			c.Msg = forLuCI(c.Msg)
			return nil, &c
		}
		return nil, errors.New(forLuCI(err.Error()))
	}
}
