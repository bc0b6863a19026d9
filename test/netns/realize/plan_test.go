package realize

import (
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/txtar"
)

func loadCase(t *testing.T, path string) Config {
	t.Helper()
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	net, _ := a.Get("in/network")
	fw, ok := a.Get("in/firewall")
	if !ok {
		fw = ""
	}
	return Config{Network: []byte(net), Firewall: []byte(fw)}
}

func TestRenderServerCase(t *testing.T) {
	_, f, err := Plan(loadCase(t, "../../../../shared/conformance/fw4/rule-shapes.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Render(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out)
	if !strings.Contains(out, "jump input_vpn") {
		t.Error("no vpn dispatch")
	}
}
