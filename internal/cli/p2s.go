package cli

import (
	"fmt"
	"net/netip"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/ubus"
)

func accessCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "access",
		Usage: "choose how one peer reaches the LAN: masquerade, routed, or default (the interface's --lan-access)",
		Description: "masquerade: LAN hosts see the router's LAN address; the peer can open connections into the LAN, LAN hosts cannot open any to it.\n" +
			"routed: no NAT; LAN hosts see the peer's tunnel address and both sides can connect, once LAN hosts have the route 'wgowrt lan-route' prints.\n" +
			"Per-peer strategies add to the interface's --lan-access; start from 'server init --lan-access none' to make them exclusive.\n" +
			"For port forwarding to a peer see 'wgowrt expose'.",
		ArgsUsage:       "PEER STRATEGY",
		Flags:           []ucli.Flag{ifaceFlag, commitPendingFlag},
		SkipFlagParsing: true,
		Action:          interspersed(func(c *ucli.Context) error { return access(env, c) }),
	}
}

func access(env *Env, c *ucli.Context) error {
	if c.NArg() != 2 {
		return Usagef("access needs PEER and STRATEGY (masquerade, routed or default) (got %d arguments)", c.NArg())
	}
	st, s, err := loadState(env)
	if err != nil {
		return err
	}
	in := plan.AccessIntent{Iface: ifaceOf(c, st), Peer: c.Args().Get(0), Strategy: c.Args().Get(1)}
	r, err := plan.PeerAccess(st, in)
	if err != nil {
		return err
	}
	if _, err := commit(env, c, s, r.Result, in.Iface); err != nil || env.DryRun {
		return err
	}
	return printAccess(env, in, r.AllowedIPs)
}

func printAccess(env *Env, in plan.AccessIntent, allowed []netip.Prefix) error {
	var ips []string
	for _, p := range allowed {
		ips = append(ips, p.String())
	}
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "peer": in.Peer, "strategy": in.Strategy, "client_allowed_ips": ips})
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

func lanRouteCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "lan-route",
		Usage: "print the routes LAN hosts need for routed peers and sites; --dhcp hands them out with DHCP option 121",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "dhcp", Usage: "write them into /etc/config/dhcp (dnsmasq, option 121 with the default route appended)"},
			commitPendingFlag,
		},
		Action: func(c *ucli.Context) error { return lanRoute(env, c) },
	}
}

func lanRoute(env *Env, c *ucli.Context) error {
	if c.NArg() > 0 {
		return Usagef("lan-route takes no arguments (got %q)", c.Args().First())
	}
	st, s, err := loadState(env)
	if err != nil {
		return err
	}
	routes, err := plan.LanRoutes(st)
	if err != nil {
		return err
	}
	if c.Bool("dhcp") {
		wrote, err := lanRouteDHCP(env, c, st, s, routes)
		if err != nil || env.DryRun {
			return err
		}
		if wrote {
			fmt.Fprintln(env.Stderr, "wgowrt: DHCP clients get the routes (option 121) when they renew their lease")
		}
	}
	return printLanRoutes(env, routes)
}

// lanRouteDHCP writes option 121 and lets dnsmasq reload.
func lanRouteDHCP(env *Env, c *ucli.Context, st plan.State, s *store.Store, routes []plan.LanRoute) (bool, error) {
	d, err := s.Load("dhcp", true)
	if err != nil {
		return false, err
	}
	if len(d.Sections) > 0 {
		st.Dhcp = d
	}
	r, err := plan.LanRouteDHCP(st, routes)
	if err != nil {
		return false, err
	}
	wrote, err := commit(env, c, s, r, "")
	if err != nil || !wrote {
		return wrote, err
	}
	if ls := deps.live(env); ls != nil {
		if err := ubus.ConfigChanged(ls.ubus, "dhcp"); err != nil {
			return true, fmt.Errorf("configuration written, but dnsmasq could not be reloaded: %v", err)
		}
	}
	return true, nil
}

func printLanRoutes(env *Env, routes []plan.LanRoute) error {
	if env.JSON {
		out := []map[string]string{}
		for _, r := range routes {
			out = append(out, map[string]string{"dest": r.Dest.String(), "via": r.Via.String(), "for": r.Why})
		}
		return writeJSON(env.Stdout, map[string]any{"version": 1, "routes": out})
	}
	if len(routes) == 0 {
		fmt.Fprintln(env.Stdout, "# no routed peers or sites: LAN hosts need no routes")
		return nil
	}
	fmt.Fprintf(env.Stdout, "# LAN hosts whose gateway is not this router (%s) need:\n", routes[0].Via)
	for _, r := range routes {
		fmt.Fprintf(env.Stdout, "ip route add %s via %s  # %s\n", r.Dest, r.Via, r.Why)
	}
	return nil
}
