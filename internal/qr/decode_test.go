package qr

import (
	"bytes"
	"fmt"
)

// decode reads a symbol back: format information, unmasking, the zigzag,
// de-interleaving, an error-correction check and the byte-mode segment. It
// only reuses the encoder's map of function modules, which the zbarimg
// test checks independently.
func decode(m [][]bool) ([]byte, error) {
	size := len(m)
	ver := (size - 17) / 4
	word := 0
	for i := 0; i <= 5; i++ {
		word |= b2i(m[i][8]) << i
	}
	word |= b2i(m[7][8])<<6 | b2i(m[8][8])<<7 | b2i(m[8][7])<<8
	for i := 9; i < 15; i++ {
		word |= b2i(m[8][14-i]) << i
	}
	lvl, mask, ok := Level(-1), -1, false
	for _, l := range []Level{L, M} {
		for k := 0; k < 8; k++ {
			if formatWord(l, k) == word {
				lvl, mask, ok = l, k, true
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("format word %#x matches no level/mask", word)
	}
	ref := newCode(ver, lvl)
	ref.drawFunctionPatterns()
	var bits []bool
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < size; vert++ {
			for j := 0; j < 2; j++ {
				x, y := right-j, vert
				if (right+1)&2 == 0 {
					y = size - 1 - vert
				}
				if !ref.fn[y][x] {
					bits = append(bits, m[y][x] != maskBit(mask, x, y))
				}
			}
		}
	}
	total := rawModules(ver) / 8
	cw := make([]byte, total)
	for i := 0; i < total*8; i++ {
		if bits[i] {
			cw[i/8] |= 0x80 >> (i % 8)
		}
	}
	data, err := deinterleave(ver, lvl, cw)
	if err != nil {
		return nil, err
	}
	return readSegment(data, ver)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func deinterleave(ver int, lvl Level, cw []byte) ([]byte, error) {
	nb, ecc := numBlocks[lvl][ver], eccPerBlock[lvl][ver]
	total := len(cw)
	short := nb - total%nb
	shortLen := total / nb
	blocks := make([][]byte, nb)
	k := 0
	for i := 0; i <= shortLen; i++ {
		for j := range blocks {
			blen := shortLen
			if j >= short {
				blen++
			}
			dlen := blen - ecc
			if i == shortLen-ecc && j < short {
				continue
			}
			if len(blocks[j]) < blen && (i < dlen || i >= shortLen-ecc) {
				blocks[j] = append(blocks[j], cw[k])
				k++
			}
		}
	}
	var data []byte
	for _, b := range blocks {
		d := b[:len(b)-ecc]
		if !bytes.Equal(rsRemainder(d, rsDivisor(ecc)), b[len(b)-ecc:]) {
			return nil, fmt.Errorf("block fails its error correction check")
		}
		data = append(data, d...)
	}
	return data, nil
}

func readSegment(data []byte, ver int) ([]byte, error) {
	pos := 0
	read := func(n int) int {
		v := 0
		for i := 0; i < n; i++ {
			v = v<<1 | int(data[pos/8]>>(7-pos%8)&1)
			pos++
		}
		return v
	}
	if mode := read(4); mode != 4 {
		return nil, fmt.Errorf("mode %04b, want byte mode", mode)
	}
	n := read(8)
	if ver >= 10 {
		n = n<<8 | read(8)
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(read(8))
	}
	return out, nil
}
