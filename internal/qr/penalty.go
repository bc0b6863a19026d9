package qr

// penalty scores the symbol with the standard's four rules: long runs of
// one colour, 2×2 blocks, finder-like 1:1:3:1:1 patterns, and imbalance
// of dark and light.
func (c *Code) penalty() int {
	s := 0
	dark := 0
	for i := 0; i < c.Size; i++ {
		s += c.linePenalty(func(j int) bool { return c.modules[i][j] })
		s += c.linePenalty(func(j int) bool { return c.modules[j][i] })
	}
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.modules[y][x] {
				dark++
			}
			if x+1 < c.Size && y+1 < c.Size {
				v := c.modules[y][x]
				if c.modules[y][x+1] == v && c.modules[y+1][x] == v && c.modules[y+1][x+1] == v {
					s += 3
				}
			}
		}
	}
	total := c.Size * c.Size
	k := (abs(dark*20-total*10) + total - 1) / total
	return s + (k-1)*10*boolInt(k > 0)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var finderLike = [2][11]bool{
	{true, false, true, true, true, false, true, false, false, false, false},
	{false, false, false, false, true, false, true, true, true, false, true},
}

func (c *Code) linePenalty(at func(int) bool) int {
	s := 0
	run := 0
	for j := 0; j < c.Size; j++ {
		if j > 0 && at(j) == at(j-1) {
			run++
		} else {
			run = 1
		}
		if run == 5 {
			s += 3
		} else if run > 5 {
			s++
		}
	}
	for j := 0; j+11 <= c.Size; j++ {
		for _, pat := range finderLike {
			match := true
			for k := 0; k < 11 && match; k++ {
				match = at(j+k) == pat[k]
			}
			if match {
				s += 40
			}
		}
	}
	return s
}
