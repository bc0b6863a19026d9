package netns

import (
	"flag"
	"os"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// TestMain runs up to 4 scenarios at a time unless -parallel says
// otherwise: a lab mostly waits (netifd, handshakes, probe timeouts), so
// go test's default of GOMAXPROCS (2 here) would leave the suite idle.
// The hitless proof does not run in parallel with anything.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "4")
	}
	code := m.Run()
	lab.RemoveWgowrtBinary()
	os.Exit(code)
}
