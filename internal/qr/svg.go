package qr

import (
	"fmt"
	"strings"
)

// SVG renders the code as a standalone SVG image: dark modules as one
// path of horizontal runs on a white square with the quiet zone, one user
// unit per module, so the browser scales it without blurring.
func (c *Code) SVG() string {
	n := c.Size + 2*Quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; {
			if !c.modules[y][x] {
				x++
				continue
			}
			run := 1
			for x+run < c.Size && c.modules[y][x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+Quiet, y+Quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}
