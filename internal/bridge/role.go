package bridge

import (
	"encoding/json"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// The Overview's methods for a whole interface: adopt one made in LuCI or
// by hand (`wgowrt adopt IFACE`), and remove the server or client role of
// one wgowrt made (`server remove`, `client remove`). Like every writing
// method they plan against the session and answer the edits for LuCI to
// stage; Save & Apply commits them with LuCI's rollback.

var roleSignature = map[string]any{"iface": ""}

// adoptSignature: iface, and optionally the host name peers dial
// (`adopt --endpoint`), which the configs of new peers need.
var adoptSignature = map[string]any{"iface": "", "endpoint": ""}

type adoptArgs struct {
	Iface    string `json:"iface"`
	Endpoint string `json:"endpoint"`
}

// sectionName says whether s can be the name of a network interface (a
// UCI section name: 1 to 64 of A-Z a-z 0-9 _); anything else is refused
// before planning, so no error repeats an unprintable name.
func sectionName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordChar(s[i]) {
			return false
		}
	}
	return true
}

// decodeIface is decode for a method whose iface argument (*iface once
// decoded) must name an interface.
func decodeIface(args json.RawMessage, a any, iface *string) (ops.Txn, error) {
	txn, err := decode(args, a)
	if err != nil {
		return txn, err
	}
	return txn, checkIface(*iface)
}

// checkIface refuses an iface argument no interface can have.
func checkIface(iface string) error {
	if iface == "" {
		return rpcd.Errorf("iface", "", "name the interface")
	}
	if !sectionName(iface) {
		return rpcd.Errorf("iface", iface, "%q is not the name of a network interface (letters, digits and _)", iface)
	}
	return nil
}

// adoptFound is what adopt found, as `adopt --json` says it.
type adoptFound struct {
	Role    string            `json:"role"`
	Zone    string            `json:"zone"`
	Peers   int               `json:"peers"`
	Renamed map[string]string `json:"renamed"`
	Sites   []string          `json:"sites"`
}

func (b *bridge) adopt(args json.RawMessage) (any, error) {
	var a adoptArgs
	txn, err := decodeIface(args, &a, &a.Iface)
	if err != nil {
		return nil, err
	}
	iface := a.Iface
	in := plan.AdoptIntent{Iface: iface}
	if a.Endpoint != "" {
		e, err := wg.ParseEndpoint(a.Endpoint)
		if err != nil {
			return nil, rpcd.Errorf("endpoint", a.Endpoint, "%v", err)
		}
		in.Endpoint = &e
	}
	res, err := b.ops.Adopt(ops.Adopt{Txn: txn, Intent: in})
	if err != nil {
		return nil, planErr(res.Outcome, err, "iface", iface)
	}
	pa, err := planned(res.Outcome)
	if err != nil {
		return nil, err
	}
	f := res.Found
	found := adoptFound{Role: f.Role, Zone: f.Zone, Peers: f.Peers, Renamed: f.Renamed, Sites: nonNil(f.Sites)}
	if found.Renamed == nil {
		found.Renamed = map[string]string{}
	}
	return struct {
		*planAnswer
		Iface string     `json:"iface"`
		Found adoptFound `json:"found"`
	}{pa, iface, found}, nil
}

// roleRemove removes the server or the client role of iface, whichever
// wgowrt made of it. The page's own rollback guards the browser's
// session (rpcd undoes an apply that cuts it off), so the command line's
// SSH lockout check does not apply. A full tunnel that steered dnsmasq
// gets it back as `client remove` does: the answer's edits include
// dhcp's, which the write role may stage.
func (b *bridge) roleRemove(args json.RawMessage) (any, error) {
	var a ifaceArgs
	txn, err := decodeIface(args, &a, &a.Iface)
	if err != nil {
		return nil, err
	}
	iface := a.Iface
	st, _, err := b.ops.Read(txn.Session, iface)
	if err != nil {
		return nil, err
	}
	if plan.HasGateway(st, iface) {
		return nil, rpcd.Errorf("iface", iface, "a gateway is routed through %s: remove it first on the router's command line (wgowrt gateway remove), then remove %s here", iface, iface)
	}
	req := ops.RoleRemove{Txn: txn, Iface: iface, AllowLockout: true}
	var res *ops.RoleRemoveResult
	switch roleOf(st, iface) {
	case roleServer:
		res, err = b.ops.ServerRemove(req)
	case roleClient:
		res, err = b.ops.ClientRemove(req)
	default:
		if st.Network.Section(iface) == nil {
			return nil, rpcd.Errorf("iface", iface, "no interface %s: nothing to remove", iface)
		}
		return nil, rpcd.Errorf("iface", iface, "interface %s was not created by wgowrt as a server or client; nothing removed (adopt it first, or delete it under Network → Interfaces)", iface)
	}
	if err != nil {
		return nil, planErr(res.Outcome, err, "iface", iface)
	}
	pa, err := planned(res.Outcome)
	if err != nil {
		return nil, err
	}
	return struct {
		*planAnswer
		Iface string `json:"iface"`
		Role  string `json:"role"`
	}{pa, iface, res.Role}, nil
}
