// Command qrsvg prints the QR code of its standard input as the SVG image
// the rpcd methods answer (internal/qr at level M, as peer_add does). The
// browser tests of test/luci use it to put a real QR image where the
// pinned rpcd contract only summarises it.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/wgowrt/wgowrt/internal/qr"
)

func main() {
	text, err := io.ReadAll(os.Stdin)
	if err == nil {
		var code *qr.Code
		if code, err = qr.Encode(text, qr.M); err == nil {
			fmt.Print(code.SVG())
			return
		}
	}
	fmt.Fprintln(os.Stderr, "qrsvg:", err)
	os.Exit(1)
}
