package ops

import (
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// NewPrivateKey draws a key pair (the Setup page's generate_keys).
func (o *Ops) NewPrivateKey() (wg.Key, error) { return wg.GeneratePrivate(o.Deps.Keys) }

// NewPresharedKey draws a preshared key.
func (o *Ops) NewPresharedKey() (wg.Key, error) { return wg.GeneratePreshared(o.Deps.Keys) }

// NextAddresses are the addresses the next peer of iface would get, as
// session sees the configuration.
func (o *Ops) NextAddresses(session, iface string) (string, []netipPrefix, error) {
	st, unlock, err := o.read(session)
	if err != nil {
		return "", nil, err
	}
	defer unlock()
	iface = Iface(st, iface)
	addrs, err := plan.NextAddresses(st, iface)
	return iface, addrs, err
}
