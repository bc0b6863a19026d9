package ops

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// EndpointTargets lists enabled peers of enabled interfaces whose
// endpoint is a host name, with netifd's default port when none is set;
// literal addresses, disabled peers and peers of disabled interfaces are
// not the supervisor's.
func TestEndpointTargets(t *testing.T) {
	o := testOps(t)
	net := file(t, o, "/etc/config/network") + `
config wireguard_wg0 'dyn'
	option description 'dyn'
	option public_key 'AmYURrcbKj2ngJW28tCS8aTdczn/tKlBRIv/F7UyVgI='
	option endpoint_host 'home.example.net'
	option persistent_keepalive '25'

config wireguard_wg0 'dynport'
	option public_key 'd1UcWe/QmoBqBTovwQxmoPYMJrr1Iw7o5JutP41K8Ss='
	option endpoint_host 'office.example.net'
	option endpoint_port '4500'

config wireguard_wg0 'literal'
	option public_key 'QX7bPwuZKasYqTjfx+J4A+v4Mg1hCkxAOCjC+Wli2AQ='
	option endpoint_host '192.0.2.7'

config wireguard_wg0 'off'
	option public_key 'VZU1MMtquA9WuVkLoDe8Sb+vQq2pbZkPXx8eS4HZiXs='
	option endpoint_host 'off.example.net'
	option disabled '1'
`
	if err := os.WriteFile(o.Path("/etc/config/network"), []byte(net), 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err := o.EndpointTargets()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range ts {
		got = append(got, tg.Iface+" "+tg.Peer+" "+tg.HostPort()+" "+tg.Keepalive.String())
	}
	want := []string{"wg0 dyn home.example.net:51820 25s", "wg0 dynport office.example.net:4500 0s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}
