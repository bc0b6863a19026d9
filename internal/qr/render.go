package qr

import "strings"

// Quiet is the light border the standard requires around a symbol.
const Quiet = 4

// Half renders the code with UTF-8 half blocks, two module rows per text
// line. Like `qrencode -t UTF8` it draws light modules as ink, which is
// right for the usual light-on-dark terminal: the scanner sees dark
// modules where the background shows.
func (c *Code) Half() string {
	n := c.Size + 2*Quiet
	light := func(x, y int) bool {
		x, y = x-Quiet, y-Quiet
		if x < 0 || y < 0 || x >= c.Size || y >= c.Size {
			return true
		}
		return !c.modules[y][x]
	}
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		for x := 0; x < n; x++ {
			top := light(x, y)
			bottom := y+1 < n && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
