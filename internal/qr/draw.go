package qr

func (c *Code) setFn(x, y int, dark bool) {
	c.modules[y][x] = dark
	c.fn[y][x] = true
}

// drawFunctionPatterns draws timing, finder, alignment patterns and
// version information, and reserves the format information areas.
func (c *Code) drawFunctionPatterns() {
	for i := 0; i < c.Size; i++ {
		c.setFn(6, i, i%2 == 0)
		c.setFn(i, 6, i%2 == 0)
	}
	c.drawFinder(3, 3)
	c.drawFinder(c.Size-4, 3)
	c.drawFinder(3, c.Size-4)
	pos := alignmentPositions(c.Version)
	n := len(pos)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			// The three corners taken by finder patterns get none.
			if i == 0 && j == 0 || i == 0 && j == n-1 || i == n-1 && j == 0 {
				continue
			}
			c.drawAlignment(pos[i], pos[j])
		}
	}
	c.drawFormat(0)
	c.drawVersion()
}

// drawFinder draws a finder pattern centred on (x, y) with its light
// separator.
func (c *Code) drawFinder(x, y int) {
	for dy := -4; dy <= 4; dy++ {
		for dx := -4; dx <= 4; dx++ {
			xx, yy := x+dx, y+dy
			if xx < 0 || xx >= c.Size || yy < 0 || yy >= c.Size {
				continue
			}
			d := max(abs(dx), abs(dy))
			c.setFn(xx, yy, d != 2 && d != 4)
		}
	}
}

func (c *Code) drawAlignment(x, y int) {
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			c.setFn(x+dx, y+dy, max(abs(dx), abs(dy)) != 1)
		}
	}
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// alignmentPositions returns the row/column centres of alignment patterns:
// 6, then evenly spaced (even steps) up to size-7.
func alignmentPositions(ver int) []int {
	if ver == 1 {
		return nil
	}
	n := ver/7 + 2
	step := (ver*8 + n*3 + 5) / (n*4 - 4) * 2
	out := make([]int, n)
	out[0] = 6
	for i, p := n-1, ver*4+17-7; i >= 1; i, p = i-1, p-step {
		out[i] = p
	}
	return out
}

// formatWord is the 15-bit format information: level and mask with a
// BCH(15,5) remainder, XORed with 0x5412.
func formatWord(lvl Level, mask int) int {
	data := formatBits[lvl]<<3 | mask
	rem := data
	for i := 0; i < 10; i++ {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	return (data<<10 | rem) ^ 0x5412
}

// drawFormat writes both copies of the format information and the dark
// module.
func (c *Code) drawFormat(mask int) {
	bits := formatWord(c.Level, mask)
	bit := func(i int) bool { return bits>>i&1 == 1 }
	for i := 0; i <= 5; i++ {
		c.setFn(8, i, bit(i))
	}
	c.setFn(8, 7, bit(6))
	c.setFn(8, 8, bit(7))
	c.setFn(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		c.setFn(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		c.setFn(c.Size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		c.setFn(8, c.Size-15+i, bit(i))
	}
	c.setFn(8, c.Size-8, true)
}

// drawVersion writes the two 6×3 version blocks of versions 7 and up.
func (c *Code) drawVersion() {
	if c.Version < 7 {
		return
	}
	rem := c.Version
	for i := 0; i < 12; i++ {
		rem = rem<<1 ^ (rem>>11)*0x1F25
	}
	bits := c.Version<<12 | rem
	for i := 0; i < 18; i++ {
		dark := bits>>i&1 == 1
		a, b := c.Size-11+i%3, i/3
		c.setFn(a, b, dark)
		c.setFn(b, a, dark)
	}
}

// drawCodewords places the codewords in the two-column zigzag from the
// bottom right, skipping function modules and the vertical timing column.
func (c *Code) drawCodewords(cw []byte) {
	i := 0
	for right := c.Size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < c.Size; vert++ {
			for j := 0; j < 2; j++ {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = c.Size - 1 - vert
				}
				if c.fn[y][x] || i >= len(cw)*8 {
					continue
				}
				c.modules[y][x] = cw[i>>3]>>(7-i&7)&1 == 1
				i++
			}
		}
	}
}

// maskBit is the standard's mask condition for column x, row y.
func maskBit(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

// applyMask flips data modules where the mask condition holds; applying
// it twice undoes it.
func (c *Code) applyMask(mask int) {
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.fn[y][x] && maskBit(mask, x, y) {
				c.modules[y][x] = !c.modules[y][x]
			}
		}
	}
}

// bestMask tries all eight masks and keeps the one with the lowest
// penalty, as the standard recommends for readability.
func (c *Code) bestMask() int {
	best, bestScore := 0, -1
	for m := 0; m < 8; m++ {
		c.applyMask(m)
		c.drawFormat(m)
		if s := c.penalty(); bestScore < 0 || s < bestScore {
			best, bestScore = m, s
		}
		c.applyMask(m)
	}
	return best
}
