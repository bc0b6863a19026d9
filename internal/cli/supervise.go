package cli

import (
	"io"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Supervise runs the on-router service (internal/supervisor.Main); main
// sets it, as it sets RPCD, so that the command line does not import
// another front-end.
var Supervise func(o *ops.Ops, opt ops.SuperviseOptions, stderr io.Writer) error

// `wgowrt supervise` is what /etc/init.d/wgowrt runs under procd.
func superviseCommand(env *Env) *Command {
	return &Command{
		Name:  "supervise",
		Usage: "run the on-router service: re-resolve dynamic-DNS endpoints, react to wan events, sync peers (procd runs it)",
		Flags: []Flag{
			&DurationFlag{Name: "interval", Value: 30 * time.Second, Usage: "how often to look at the handshakes"},
			&DurationFlag{Name: "stale", Value: 150 * time.Second, Usage: "handshake age after which a host-name endpoint is re-resolved"},
			&DurationFlag{Name: "max-backoff", Value: 10 * time.Minute, Usage: "longest pause between look-ups of a name that does not help"},
			&StringFlag{Name: "metrics-file", Usage: "write per-peer metrics (Prometheus text format) to this file on every look"},
			&BoolFlag{Name: "boot", Usage: "once, before the network starts: hold back endpoints whose names do not resolve yet, so that netifd sets their interfaces up with the other peers"},
			&DurationFlag{Name: "down-after", Value: ops.ActiveWithin, Usage: "handshake age at which a peer counts as down (wgowrt.peer.down)"},
		},
		Action: func(c *Context) error {
			if c.NArg() > 0 {
				return Usagef("supervise takes no arguments (got %q)", c.Args().First())
			}
			opt := ops.SuperviseOptions{Interval: c.Duration("interval"), Stale: c.Duration("stale"),
				MaxBackoff: c.Duration("max-backoff"), DownAfter: c.Duration("down-after"), MetricsFile: c.String("metrics-file"), Boot: c.Bool("boot")}
			if opt.Interval < time.Second || opt.Stale < time.Second || opt.DownAfter < time.Second || opt.MaxBackoff < opt.Interval {
				return Usagef("--interval, --stale and --down-after must be at least 1s and --max-backoff at least --interval (got %s, %s, %s, %s)",
					opt.Interval, opt.Stale, opt.DownAfter, opt.MaxBackoff)
			}
			if Supervise == nil {
				return Usagef("supervise is not built into this binary")
			}
			return Supervise(env.ops(), opt, env.Stderr)
		},
	}
}
