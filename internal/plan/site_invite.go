package plan

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// Invitation is the `site add` command the other router of a site runs.
type Invitation struct {
	// Args are the words after "wgowrt", ready to quote for a shell.
	Args []string
	// PSK is the preshared key the other side needs, nil if the site has
	// none; it is never part of Args.
	PSK *wg.Key
}

// InviteIntent is `wgowrt site invite`.
type InviteIntent struct {
	Iface, Name string
	// As is the name the other router gives this one.
	As string
	// Endpoint overrides the endpoint wgowrt knows for this router.
	Endpoint *wg.Endpoint
	// PSKFile is where the other router will find the preshared key.
	PSKFile string
}

// SiteInvite plans `site invite`: this router's key, endpoint and subnets,
// and, on a hub, the subnets of every other site, as seen from the other
// end of site Name.
func SiteInvite(st State, in InviteIntent) (Invitation, error) {
	if err := wg.ValidatePeerName(in.As); err != nil {
		return Invitation{}, fmt.Errorf("--as: %v", err)
	}
	srv, err := ReadServer(st, in.Iface)
	if err != nil {
		return Invitation{}, err
	}
	s, ok := FindSite(st, in.Iface, in.Name)
	if !ok {
		return Invitation{}, fmt.Errorf("no site %q on %s; add it first with 'wgowrt site add %s --public-key KEY --remote-subnet CIDR'", in.Name, in.Iface, in.Name)
	}
	if srv.PrivateKey == nil {
		return Invitation{}, fmt.Errorf("%s has no private key yet (still 'generate'?): its public key is unknown until netifd has set it up", in.Iface)
	}
	ep, err := inviteEndpoint(srv, in.Endpoint)
	if err != nil {
		return Invitation{}, err
	}
	remote, err := inviteRemote(st, s)
	if err != nil {
		return Invitation{}, err
	}
	args := []string{"site", "add", in.As, "--endpoint", ep, "--public-key", srv.PublicKey().String()}
	for _, p := range remote {
		args = append(args, "--remote-subnet", p.String())
	}
	for _, p := range s.Remote {
		args = append(args, "--local-subnet", p.String())
	}
	if s.Keepalive != DefaultKeepalive {
		args = append(args, "--keepalive", strconv.Itoa(s.Keepalive))
	}
	inv := Invitation{PSK: s.PSK}
	if s.PSK != nil {
		if in.PSKFile == "" {
			return Invitation{}, fmt.Errorf("site %s uses a preshared key, which is not printed: pass --psk-file FILE to write it for the other router", in.Name)
		}
		args = append(args, "--psk-file", in.PSKFile)
	}
	inv.Args = args
	return inv, nil
}

// inviteEndpoint is where the other router reaches this one.
func inviteEndpoint(srv *Server, given *wg.Endpoint) (string, error) {
	e := srv.Endpoint
	if given != nil {
		e = *given
	}
	if e.Host == "" {
		return "", fmt.Errorf("this router's endpoint is unknown: pass --endpoint HOST[:PORT] (or set it with 'wgowrt server init --endpoint')")
	}
	if srv.Port == 0 && e.Port == 0 {
		return "", fmt.Errorf("%s has no listen_port: give the port with --endpoint HOST:PORT", srv.Iface)
	}
	return e.With(srv.Port), nil
}

// inviteRemote is what the other router must route to this one: this
// site's own subnets, and those of every other site of the interface
// (traffic between spokes goes through the hub).
func inviteRemote(st State, s Site) ([]netip.Prefix, error) {
	local, err := localSubnets(st, s.Local)
	if err != nil {
		return nil, err
	}
	out := append([]netip.Prefix(nil), local...)
	for _, o := range ReadSites(st, s.Iface) {
		if o.Section != s.Section {
			out = append(out, o.Remote...)
		}
	}
	return out, nil
}
