package plan

import "net/netip"

// NextAddresses returns the tunnel addresses `peer add` would give a new
// peer of iface right now (one per server subnet), for a form to show
// before anything is planned.
func NextAddresses(st State, iface string) ([]netip.Prefix, error) {
	srv, err := ReadServer(st, iface)
	if err != nil {
		return nil, err
	}
	return peerAddresses(st, srv, nil)
}
