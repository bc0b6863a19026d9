package cli

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func accessCommand(env *Env) *Command {
	return &Command{
		Name:  "access",
		Usage: "choose how one peer reaches the LAN: masquerade, routed, or default (the interface's --lan-access)",
		Description: "masquerade: LAN hosts see the router's LAN address; the peer can open connections into the LAN, LAN hosts cannot open any to it.\n" +
			"routed: no NAT; LAN hosts see the peer's tunnel address and both sides can connect, once LAN hosts have the route 'wgowrt lan-route' prints.\n" +
			"Per-peer strategies add to the interface's --lan-access; start from 'server init --lan-access none' to make them exclusive.\n" +
			"For port forwarding to a peer see 'wgowrt expose'.",
		ArgsUsage: "PEER STRATEGY",
		Flags:     []Flag{ifaceFlag, commitPendingFlag},
		Action:    func(c *Context) error { return access(env, c) },
	}
}

func access(env *Env, c *Context) error {
	if c.NArg() != 2 {
		return Usagef("access needs PEER and STRATEGY (masquerade, routed or default) (got %d arguments)", c.NArg())
	}
	in := plan.AccessIntent{Iface: c.String("iface"), Peer: c.Args().Get(0), Strategy: c.Args().Get(1)}
	r, err := env.ops().Access(ops.Access{Txn: txn(env, c), Intent: in})
	if env.JSON {
		ips := []string{}
		for _, p := range r.AllowedIPs {
			ips = append(ips, p.String())
		}
		return reportChange(env, r.Outcome, err, map[string]any{"peer": in.Peer, "strategy": in.Strategy, "client_allowed_ips": ips})
	}
	if err = report(env, r.Outcome, err); done(env, err) {
		return err
	}
	return printAccess(env, r.Intent, r.AllowedIPs)
}

func printAccess(env *Env, in plan.AccessIntent, allowed []netip.Prefix) error {
	var ips []string
	for _, p := range allowed {
		ips = append(ips, p.String())
	}
	fmt.Fprintf(env.Stdout, "%s: %s\n", in.Peer, in.Strategy)
	if in.Strategy == plan.StrategyDefault {
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s's own config must send the LAN into the tunnel:\nAllowedIPs = %s\n", in.Peer, strings.Join(ips, ", "))
	if in.Strategy == wg.AccessRouted {
		fmt.Fprintln(env.Stdout, "LAN hosts whose gateway is not this router need a route back: see 'wgowrt lan-route'")
	}
	return nil
}

func lanRouteCommand(env *Env) *Command {
	return &Command{
		Name:  "lan-route",
		Usage: "print the routes LAN hosts need for routed peers and sites; --dhcp hands them out with DHCP option 121",
		Flags: []Flag{
			&BoolFlag{Name: "dhcp", Usage: "write them into /etc/config/dhcp (dnsmasq, option 121 with the default route appended)"},
			commitPendingFlag,
		},
		Action: func(c *Context) error { return lanRoute(env, c) },
	}
}

func lanRoute(env *Env, c *Context) error {
	if c.NArg() > 0 {
		return Usagef("lan-route takes no arguments (got %q)", c.Args().First())
	}
	r, err := env.ops().LanRoute(ops.LanRoute{Txn: txn(env, c), DHCP: c.Bool("dhcp")})
	if c.Bool("dhcp") && env.JSON {
		// the change document, with the routes of 'lan-route --json'
		var routes any
		if err == nil {
			routes = lanRoutesJSON(r.Routes)
		}
		return reportChange(env, r.Outcome, err, map[string]any{"routes": routes})
	}
	if c.Bool("dhcp") {
		if err = report(env, r.Outcome, err); done(env, err) {
			return err
		}
		if r.Wrote {
			fmt.Fprintln(env.Stderr, "wgowrt: DHCP clients get the routes (option 121) when they renew their lease")
		}
	} else if err != nil {
		return err
	}
	return printLanRoutes(env, r.Routes)
}

func lanRoutesJSON(routes []plan.LanRoute) []map[string]string {
	out := []map[string]string{}
	for _, r := range routes {
		m := map[string]string{"dest": r.Dest.String(), "via": "", "for": r.Why}
		if r.Via.IsValid() {
			m["via"] = r.Via.String()
		}
		if r.Announced.IsValid() {
			m["announced_by_ra"] = r.Announced.String()
		}
		out = append(out, m)
	}
	return out
}

func printLanRoutes(env *Env, routes []plan.LanRoute) error {
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "routes": lanRoutesJSON(routes)})
	}
	if len(routes) == 0 {
		fmt.Fprintln(env.Stdout, "# no routed peers or sites: LAN hosts need no routes")
		return nil
	}
	family := ""
	routes = slices.Clone(routes)
	slices.SortStableFunc(routes, func(a, b plan.LanRoute) int { return a.Dest.Addr().BitLen() - b.Dest.Addr().BitLen() })
	for _, r := range routes {
		if f := lanRouteHeader(r); f != family {
			family = f
			fmt.Fprintln(env.Stdout, f)
		}
		why := r.Why
		if r.Announced.IsValid() {
			why += "; hosts taking RA route information (RFC 4191) have it: this router's RAs announce " + r.Announced.String()
		}
		ip := "ip"
		if r.Dest.Addr().Is6() {
			ip = "ip -6"
		}
		if !r.Via.IsValid() {
			fmt.Fprintf(env.Stdout, "# ip -6 route add %s via <the router's LAN IPv6 address, set by netifd at run time: not known here>  # %s\n", r.Dest, why)
			continue
		}
		fmt.Fprintf(env.Stdout, "%s route add %s via %s  # %s\n", ip, r.Dest, r.Via, why)
	}
	return nil
}

// lanRouteHeader says, per family, which LAN hosts need the routes below.
func lanRouteHeader(r plan.LanRoute) string {
	if r.Dest.Addr().Is4() {
		return fmt.Sprintf("# LAN hosts whose gateway is not this router (%s) need:", r.Via)
	}
	if !r.Via.IsValid() {
		return "# LAN hosts whose IPv6 routes do not lead to this router need:"
	}
	return fmt.Sprintf("# LAN hosts whose IPv6 routes do not lead to this router (%s) need:", r.Via)
}
