// Command wgowrt turns WireGuard intentions into OpenWrt configuration.
package main

import (
	"os"

	"github.com/wgowrt/wgowrt/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
