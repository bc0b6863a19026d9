package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"syscall"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// TestStatusSurvivesStaleSocket: a userspace device "x" whose UAPI socket
// was left by a crashed process cannot be read (connection refused); the
// status text, --json and the rpcd answer still show wg0 with its peer and
// mark x as unreadable instead of failing as a whole.
func TestStatusSurvivesStaleSocket(t *testing.T) {
	root := bigServer(t, 1)
	fake := wgdev.NewFake(&wgtypes.Device{Name: "wg0", ListenPort: 51820})
	fake.Break("x", errors.New("dial unix /var/run/wireguard/x.sock: "+syscall.ECONNREFUSED.Error()))
	ops.Default.Devices = func() (wgdev.Client, error) { return fake, nil }

	o, e, code := run(t, root, "status", false)
	if code != 0 || !strings.Contains(o, "interface wg0 (running") || !strings.Contains(o, "interface x: unreadable: ") || !strings.Contains(o, "connection refused") {
		t.Fatalf("status: exit %d, stdout:\n%s\nstderr: %s", code, o, e)
	}
	o, e, code = run(t, root, "--json status", false)
	var js statusJSON
	if err := json.Unmarshal([]byte(o), &js); code != 0 || err != nil {
		t.Fatalf("status --json: exit %d (%v): %s %s", code, err, o, e)
	}
	byName := map[string]ops.IfaceStatus{}
	for _, is := range js.Interfaces {
		byName[is.Name] = is
	}
	if !byName["wg0"].Running || byName["x"].Error == "" || byName["x"].Running {
		t.Errorf("status --json: wg0 %+v, x %+v", byName["wg0"], byName["x"])
	}
	raw := callRaw(root, "status", `{}`)
	if !strings.Contains(raw, `"name":"x"`) || !strings.Contains(raw, `"error":"`) || !strings.Contains(raw, `"name":"wg0"`) {
		t.Errorf("rpcd status does not mark x and keep wg0: %.600s", raw)
	}
}
