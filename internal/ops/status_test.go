package ops

import (
	"errors"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

func TestStatusStaleAfterThreeMinutes(t *testing.T) {
	now := time.Unix(1000000, 0)
	ps := livePeer(wgtypes.Peer{LastHandshakeTime: now.Add(-181 * time.Second)}, plan.Peer{}, now)
	if ps.State != "stale" {
		t.Errorf("state %s, want stale", ps.State)
	}
	ps = livePeer(wgtypes.Peer{LastHandshakeTime: now.Add(-180 * time.Second)}, plan.Peer{}, now)
	if ps.State != "active" {
		t.Errorf("state %s, want active", ps.State)
	}
}

// TestLiveDevicesKeepsReadableOnes: the supervisor's read of the devices
// leaves an unreadable device out instead of failing for all of them.
func TestLiveDevicesKeepsReadableOnes(t *testing.T) {
	o := testOps(t)
	fake := wgdev.NewFake(&wgtypes.Device{Name: "wg0"})
	fake.Break("x", errors.New("connection refused"))
	o.Deps.Devices = func() (wgdev.Client, error) { return fake, nil }
	devs, err := o.LiveDevices()
	if err != nil || len(devs) != 1 || devs[0].Name != "wg0" {
		t.Fatalf("LiveDevices: %v, %v; want wg0", devs, err)
	}
}
