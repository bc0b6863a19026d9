package ops

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/ubus"
)

// transactDhcp is transact for use cases that may edit /etc/config/dhcp
// (a full tunnel's DNS, lan-route's option 121 when a role goes): the
// plan sees dhcp, and dnsmasq is reloaded when it changed. A LuCI
// session does not see it: its ACL (luci-app-wgowrt) grants no write to
// dhcp, so LuCI could not stage the edits.
func (o *Ops) transactDhcp(t Txn, pf planFunc) (*Outcome, error) {
	changed := false
	out, err := o.transact(t, func(st plan.State) (*plan.Result, string, error) {
		if t.Session == "" {
			if err := o.loadDhcp(&st); err != nil {
				return nil, "", err
			}
		}
		r, iface, err := pf(st)
		if err == nil && r.State.Dhcp != nil {
			changed = len(r.State.Dhcp.Unsaved()) > 0
		}
		return r, iface, err
	}, nil)
	if err != nil || !out.Wrote || !changed {
		return out, err
	}
	if ls := o.live(); ls != nil {
		if err := ubus.ConfigChanged(ls.Ubus, "dhcp"); err != nil {
			return out, fmt.Errorf("configuration written, but dnsmasq could not be reloaded: %v", err)
		}
		out.Applied = append(out.Applied, "dnsmasq reloaded")
	}
	return out, nil
}
