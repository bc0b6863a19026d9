package cli

import (
	"errors"
	"fmt"
	"os"

	ucli "github.com/urfave/cli/v2"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/uci"
)

// `wgowrt sync` makes every running WireGuard device carry the peers its
// committed UCI configuration lists, with the same diff as `peer add`:
// new and changed peers upserted, vanished ones removed, the sessions of
// the others untouched. netifd does not do this on `network reload` (peer
// sections are not among the handler's parameters), so LuCI's Save & Apply
// of a peer would otherwise wait for the next `ifup`. The luci-app's procd
// service runs it on every network config change.

func syncCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "sync",
		Usage: "push the peers of the committed configuration into the running WireGuard devices (no restart)",
		Flags: []ucli.Flag{&ucli.StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "only this interface"}},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return Usagef("sync takes no arguments (got %q)", c.Args().First())
			}
			return runSync(env, c.String("iface"))
		},
	}
}

func runSync(env *Env, only string) error {
	s := store.New(env.Root)
	ctx := &uci.Context{ConfDir: s.ConfDir, OverrideDir: s.OverrideDir}
	n, err := ctx.LoadFile(wg.PkgNetwork)
	if err != nil {
		return fmt.Errorf("reading the network config: %v", err)
	}
	cl, err := deps.devices()
	if err != nil {
		return fmt.Errorf("cannot reach WireGuard devices (%v); run as root on the router", err)
	}
	defer cl.Close()
	var failed []string
	for _, iface := range syncTargets(n, only) {
		note, err := syncIface(env, cl, n, iface)
		if err != nil {
			fmt.Fprintf(env.Stderr, "wgowrt: %s: %v\n", iface, err)
			failed = append(failed, iface)
		} else if note != "" {
			fmt.Fprintf(env.Stderr, "wgowrt: %s\n", note)
		}
	}
	if len(failed) > 0 {
		return &ExitError{Code: ExitFailure}
	}
	return nil
}

// syncTargets are the enabled WireGuard interfaces of n.
func syncTargets(n *uci.Package, only string) []string {
	var out []string
	for _, s := range n.SectionsOfType("interface") {
		proto, _ := s.Get("proto")
		disabled, _ := s.Get("disabled")
		if proto == "wireguard" && disabled != "1" && (only == "" || s.Name == only) {
			out = append(out, s.Name)
		}
	}
	return out
}

// syncIface applies the peer diff of one interface. A device that is
// missing, or whose key or port differs from UCI, is netifd's to
// (re)create from the same configuration; pushing peers into it then
// would race with netifd.
func syncIface(env *Env, cl wgdev.Client, n *uci.Package, iface string) (string, error) {
	dev, err := cl.Device(iface)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the device: %v", err)
	}
	if !sameInterface(n.Section(iface), dev) {
		return iface + " is being set up again by netifd: peers left to it", nil
	}
	diff := system.Diff(system.DesiredPeers(n, iface), dev)
	if len(diff) == 0 {
		return "", nil
	}
	ch := system.Change{Iface: iface, Peers: true, Routes: routedChange(n, iface, diff), Network: n}
	a := &system.Applier{Dev: cl, Release: system.DetectRelease(env.Path("/"))}
	if ls := deps.live(env); ls != nil {
		a.Ubus = ls.ubus
	} else {
		ch.Routes = false
	}
	notes, err := a.Apply(ch)
	for _, m := range notes {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", m)
	}
	return "", err
}

// sameInterface reports whether dev runs with the private key and listen
// port UCI gives iface.
func sameInterface(sec *uci.Section, dev *wgtypes.Device) bool {
	if sec == nil {
		return false
	}
	pk, _ := sec.Get("private_key")
	k, err := wg.ParseKey(pk)
	if err != nil || wgtypes.Key(k) != dev.PrivateKey {
		return false
	}
	if p, ok := sec.Get("listen_port"); ok && p != fmt.Sprint(dev.ListenPort) {
		return false
	}
	return true
}

// routedChange reports whether an upserted peer asks netifd for routes.
func routedChange(n *uci.Package, iface string, diff []wgtypes.PeerConfig) bool {
	routed := map[string]bool{}
	for _, s := range n.SectionsOfType(wg.PeerType(iface)) {
		if v, _ := s.Get("route_allowed_ips"); v == "1" {
			pk, _ := s.Get("public_key")
			routed[pk] = true
		}
	}
	for _, d := range diff {
		if !d.Remove && routed[d.PublicKey.String()] {
			return true
		}
	}
	return false
}
