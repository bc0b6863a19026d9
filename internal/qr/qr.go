// Package qr encodes text as a QR code (ISO/IEC 18004, byte mode, error
// correction level L or M, versions 1–40) and draws it with UTF-8 half
// blocks for a terminal, so a phone can scan a WireGuard config over SSH.
// Written from the standard's rules; stdlib only.
package qr

import "fmt"

// Level is an error correction level.
type Level int

// The levels this encoder supports.
const (
	L Level = iota // recovers about 7% of the symbol
	M              // recovers about 15%
)

// formatBits are the two level bits of the format information.
var formatBits = [...]int{L: 1, M: 0}

// eccPerBlock and numBlocks are the standard's error correction table for
// levels L and M, indexed by version (index 0 unused).
var eccPerBlock = [2][41]int{
	L: {0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	M: {0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
}

var numBlocks = [2][41]int{
	L: {0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
	M: {0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
}

// Code is an encoded symbol: Size×Size modules, true = dark.
type Code struct {
	Version int
	Level   Level
	Mask    int
	Size    int
	modules [][]bool
	fn      [][]bool
}

// Dark reports whether the module at column x, row y is dark.
func (c *Code) Dark(x, y int) bool { return c.modules[y][x] }

// rawModules is the number of modules of a version that carry data or
// error correction bits (everything but function patterns and format and
// version information).
func rawModules(ver int) int {
	n := (16*ver+128)*ver + 64
	if ver >= 2 {
		na := ver/7 + 2
		n -= (25*na-10)*na - 55
		if ver >= 7 {
			n -= 36
		}
	}
	return n
}

// dataCodewords is the number of data codewords of a version and level.
func dataCodewords(ver int, lvl Level) int {
	return rawModules(ver)/8 - eccPerBlock[lvl][ver]*numBlocks[lvl][ver]
}

// capacity is how many bytes fit in byte mode.
func capacity(ver int, lvl Level) int {
	countBits := 8
	if ver >= 10 {
		countBits = 16
	}
	return (dataCodewords(ver, lvl)*8 - 4 - countBits) / 8
}

// Encode makes the smallest QR code holding data in byte mode at level
// lvl, or at level L when M does not fit version 40.
func Encode(data []byte, lvl Level) (*Code, error) {
	for _, l := range []Level{lvl, L} {
		for ver := 1; ver <= 40; ver++ {
			if len(data) <= capacity(ver, l) {
				return build(data, ver, l), nil
			}
		}
	}
	return nil, fmt.Errorf("%d bytes do not fit in a QR code", len(data))
}

func build(data []byte, ver int, lvl Level) *Code {
	c := newCode(ver, lvl)
	c.drawFunctionPatterns()
	cw := interleave(ver, lvl, dataBits(data, ver, lvl))
	c.drawCodewords(cw)
	c.Mask = c.bestMask()
	c.applyMask(c.Mask)
	c.drawFormat(c.Mask)
	return c
}

func newCode(ver int, lvl Level) *Code {
	size := ver*4 + 17
	c := &Code{Version: ver, Level: lvl, Size: size}
	c.modules = make([][]bool, size)
	c.fn = make([][]bool, size)
	for i := range c.modules {
		c.modules[i] = make([]bool, size)
		c.fn[i] = make([]bool, size)
	}
	return c
}

// dataBits lays out the byte-mode segment: mode 0100, length, the bytes,
// a terminator of up to four zero bits, zero bits to a byte boundary, and
// the alternating pad bytes 0xEC 0x11.
func dataBits(data []byte, ver int, lvl Level) []byte {
	var bb bitBuffer
	bb.put(0x4, 4)
	if ver >= 10 {
		bb.put(len(data), 16)
	} else {
		bb.put(len(data), 8)
	}
	for _, b := range data {
		bb.put(int(b), 8)
	}
	limit := dataCodewords(ver, lvl) * 8
	term := limit - bb.n
	if term > 4 {
		term = 4
	}
	bb.put(0, term)
	if r := bb.n % 8; r != 0 {
		bb.put(0, 8-r)
	}
	for pad := 0xEC; bb.n < limit; pad ^= 0xEC ^ 0x11 {
		bb.put(pad, 8)
	}
	return bb.bytes
}

type bitBuffer struct {
	bytes []byte
	n     int
}

func (b *bitBuffer) put(v, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if b.n%8 == 0 {
			b.bytes = append(b.bytes, 0)
		}
		if v>>i&1 == 1 {
			b.bytes[b.n/8] |= 0x80 >> (b.n % 8)
		}
		b.n++
	}
}

// interleave splits data into blocks, appends each block's Reed-Solomon
// codewords, and interleaves them column by column as the standard
// requires.
func interleave(ver int, lvl Level, data []byte) []byte {
	nb, ecc := numBlocks[lvl][ver], eccPerBlock[lvl][ver]
	total := rawModules(ver) / 8
	short := nb - total%nb
	shortLen := total / nb
	div := rsDivisor(ecc)
	var blocks [][]byte
	k := 0
	for i := 0; i < nb; i++ {
		n := shortLen - ecc
		if i >= short {
			n++
		}
		d := data[k : k+n]
		k += n
		blocks = append(blocks, append(append([]byte(nil), d...), rsRemainder(d, div)...))
	}
	var out []byte
	for i := 0; i <= shortLen; i++ {
		for j, b := range blocks {
			// Short blocks have no codeword at the last data position.
			if i == shortLen-ecc && j < short {
				continue
			}
			idx := i
			if j < short && i > shortLen-ecc {
				idx = i - 1
			}
			if idx < len(b) {
				out = append(out, b[idx])
			}
		}
	}
	return out
}
