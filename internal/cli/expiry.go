package cli

import (
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// The flags of a peer's expiry (peer add, peer set); ops.ParseExpiry
// reads them against the router's clock.
var (
	expiresFlag = &StringFlag{Name: "expires", Arg: "DATE", Usage: "when the peer stops: YYYY-MM-DD[THH:MM] (local time), RFC 3339, or never; the supervisor disables it then"}
	forFlag     = &StringFlag{Name: "for", Arg: "DURATION", Usage: "the peer stops after DURATION from now: 7d, 12h, 90m, 2w"}
)

// expiryShown is a stored expiry for `peer show`: when, and whether the
// supervisor has disabled the peer for it.
func expiryShown(expires, expired string) string {
	t, err := time.Parse(time.RFC3339, expires)
	if err != nil {
		return expires + " (unreadable: the peer does not expire)"
	}
	if expired != "" {
		return ops.FormatExpiry(t) + " (expired: disabled by wgowrt supervise)"
	}
	return ops.FormatExpiry(t)
}
