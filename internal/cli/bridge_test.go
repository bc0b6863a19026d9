package cli

import "github.com/wgowrt/wgowrt/internal/bridge"

// The tests run the rpcd methods through Main, as the binary does; main
// plugs the bridge in the same way.
func init() { RPCD = bridge.Methods }
