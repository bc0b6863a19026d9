// Command wgowrt turns WireGuard intentions into OpenWrt configuration.
package main

import (
	"os"

	"github.com/wgowrt/wgowrt/internal/bridge"
	"github.com/wgowrt/wgowrt/internal/cli"
	"github.com/wgowrt/wgowrt/internal/supervisor"
	"github.com/wgowrt/wgowrt/internal/topology"
)

func main() {
	cli.RPCD = bridge.Methods
	cli.Supervise = supervisor.Main
	cli.Topology = topology.Run
	os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
