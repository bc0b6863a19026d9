package topology

import (
	"flag"
	"os"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// TestMain removes the wgowrt binary the lab tests build once and share.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	lab.RemoveWgowrtBinary()
	os.Exit(code)
}
