package cli

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
)

func exposeCommand(env *Env) *Command {
	return &Command{
		Name:  "expose",
		Usage: "make a service on a peer reachable at this router's address (port forward into the tunnel)",
		Description: "LAN hosts (--on lan) or the internet (--on wan) connect to the router; the peer sees the router's tunnel\n" +
			"address as the source. The peer still cannot open connections into the LAN unless 'wgowrt access' or\n" +
			"--lan-access allows it.",
		Flags: []Flag{
			ifaceFlag,
			&StringFlag{Name: "peer", Usage: "the peer running the service (required)"},
			&StringFlag{Name: "port", Usage: "LISTEN[:TARGET][/tcp|udp], e.g. 8080:80/tcp (required)"},
			&StringFlag{Name: "on", Value: "lan", Usage: "where the port opens: lan or wan"},
			&BoolFlag{Name: "remove", Usage: "remove the forward instead"},
			&BoolFlag{Name: "hide-router-service", Usage: "forward a port the router itself serves (ssh, LuCI, DNS, ...) anyway: it becomes unreachable there"},
			commitPendingFlag,
		},
		Action: func(c *Context) error { return expose(env, c) },
	}
}

func expose(env *Env, c *Context) error {
	if c.NArg() > 0 {
		return Usagef("expose takes no arguments (got %q); use --peer and --port", c.Args().First())
	}
	if c.String("peer") == "" || c.String("port") == "" {
		return Usagef("expose needs --peer NAME and --port LISTEN[:TARGET][/PROTO]")
	}
	port, err := plan.ParsePortSpec(c.String("port"))
	if err != nil {
		return err
	}
	in := plan.ExposeIntent{Iface: c.String("iface"), Peer: c.String("peer"), Port: port, On: c.String("on"), Remove: c.Bool("remove"),
		HideRouterService: c.Bool("hide-router-service")}
	r, err := env.ops().Expose(ops.Expose{Txn: txn(env, c), Intent: in})
	if in.Remove {
		return reportChange(env, r.Outcome, err, map[string]any{"peer": in.Peer, "on": in.On, "proto": port.Proto, "listen": port.Listen})
	}
	if env.JSON {
		return reportChange(env, r.Outcome, err, map[string]any{"peer": in.Peer, "on": in.On, "proto": port.Proto, "at": r.At,
			"listen": port.Listen, "target": r.Target})
	}
	if err = report(env, r.Outcome, err); done(env, err) {
		return err
	}
	at := r.At
	if at == "" {
		at = fmt.Sprintf("<wan address>:%d", port.Listen)
	}
	fmt.Fprintf(env.Stdout, "%s %s -> %s %s\n", port.Proto, at, in.Peer, r.Target)
	return nil
}
