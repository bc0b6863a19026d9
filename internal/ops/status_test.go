package ops

import (
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
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
