package ops

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/ubus"
	"github.com/wgowrt/wgowrt/uci"
)

// transactDhcp is transact for use cases that may edit /etc/config/dhcp
// (a full tunnel's DNS, lan-route's option 121 when a role goes): the
// plan sees dhcp, and dnsmasq is reloaded when it changed. A LuCI
// session sees dhcp as rpcd shows it to that session, so the page can
// stage the edits (luci-app-wgowrt's write role grants dhcp); the
// outcome's Before holds the dhcp the plan was made from.
func (o *Ops) transactDhcp(t Txn, pf planFunc) (*Outcome, error) {
	changed := false
	var before *uci.Package
	out, err := o.transact(t, func(st plan.State) (*plan.Result, string, error) {
		if err := o.loadDhcpIn(&st, t.Session); err != nil {
			return nil, "", err
		}
		if st.Dhcp != nil {
			before = st.Dhcp.Clone()
		}
		r, iface, err := pf(st)
		if err == nil && r.State.Dhcp != nil {
			changed = len(r.State.Dhcp.Unsaved()) > 0
		}
		return r, iface, err
	}, nil)
	if out != nil {
		out.Before.Dhcp = before
	}
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
