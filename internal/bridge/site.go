package bridge

import (
	"encoding/json"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// siteRemoveSignature: the server (optional when there is one) and the
// site's name, as `site remove NAME --iface IFACE`.
var siteRemoveSignature = map[string]any{"iface": "", "name": ""}

// siteRemove plans `site remove NAME` against the session: the site's
// peer, its note and its two firewall rules go. The page's rollback
// guards the browser's session, so the command line's SSH lockout check
// does not apply. A name no site has is refused (the command line notes
// "nothing to remove"), so the page never stages an empty plan.
func (b *bridge) siteRemove(args json.RawMessage) (any, error) {
	var a peerArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	if a.Iface != "" {
		if err := checkIface(a.Iface); err != nil {
			return nil, err
		}
	}
	if err := wg.ValidatePeerName(a.Name); err != nil {
		return nil, rpcd.Errorf("name", a.Name, "%v", err)
	}
	st, iface, err := b.ops.Read(txn.Session, a.Iface)
	if err != nil {
		return nil, err
	}
	if _, err := plan.ReadServer(st, iface); err != nil {
		return nil, rpcd.Errorf("iface", iface, "%v", err)
	}
	if _, ok := plan.FindSite(st, iface, a.Name); !ok {
		return nil, rpcd.Errorf("name", a.Name, "no site link %q on %s: nothing to remove", a.Name, iface)
	}
	out, err := b.ops.SiteRemove(ops.SiteRemove{Txn: txn, Iface: iface, Name: a.Name, AllowLockout: true})
	if err != nil {
		return nil, planErr(out, err, "name", a.Name)
	}
	pa, err := planned(out)
	if err != nil {
		return nil, err
	}
	return struct {
		*planAnswer
		Iface string `json:"iface"`
		Site  string `json:"site"`
	}{pa, iface, a.Name}, nil
}

// markSites marks the peers of iface that are site links, so the Peers
// page removes them with site_remove (their firewall rules go too).
func markSites(st plan.State, iface string, peers []ops.PeerView) {
	sites := map[string]bool{}
	for _, s := range plan.ReadSites(st, iface) {
		sites["network."+s.Section] = true
	}
	for i := range peers {
		peers[i].Site = sites[peers[i].Section]
	}
}
