package cli

// The flags of a peer's expiry (peer add, peer set); ops.ParseExpiry
// reads them against the router's clock.
var (
	expiresFlag = &StringFlag{Name: "expires", Arg: "DATE", Usage: "when the peer stops: YYYY-MM-DD[THH:MM] (local time), RFC 3339, or never; the supervisor disables it then"}
	forFlag     = &StringFlag{Name: "for", Arg: "DURATION", Usage: "the peer stops after DURATION from now: 7d, 12h, 90m, 2w"}
)
