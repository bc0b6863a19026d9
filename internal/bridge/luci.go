package bridge

import (
	"encoding/json"
	"errors"
	"regexp"
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

var (
	useAutoRe  = regexp.MustCompile(`use --[a-z0-9-]+ auto\b`)
	withFlagRe = regexp.MustCompile(` with --iface\b`)
	seeCmdRe   = regexp.MustCompile(` \(see 'wgowrt [^']*'\)`)
	initCmdRe  = regexp.MustCompile(`with 'wgowrt server init[^']*'`)
	flagRe     = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	expiryRe   = regexp.MustCompile(`with 'wgowrt peer set [^']*' \([^)]*\)`)
)

// forLuCI rewrites a message in the page's words.
func forLuCI(msg string) string {
	msg = useAutoRe.ReplaceAllString(msg, "use auto")
	msg = withFlagRe.ReplaceAllString(msg, "")
	msg = seeCmdRe.ReplaceAllString(msg, "")
	msg = initCmdRe.ReplaceAllString(msg, "on the Setup page")
	msg = expiryRe.ReplaceAllString(msg, "with Expiry… (a date, a duration such as 7d, or never)")
	return flagRe.ReplaceAllStringFunc(msg, func(f string) string {
		name := f[2:]
		if w, ok := argWords[name]; ok {
			return w
		}
		return strings.ReplaceAll(name, "-", " ")
	})
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
