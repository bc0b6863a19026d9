package qr

import (
	"regexp"
	"strconv"
	"testing"
)

// TestSVGDrawsExactlyTheDarkModules parses the path back into a module
// grid and decodes it: the image is the symbol, quiet zone included.
func TestSVGDrawsExactlyTheDarkModules(t *testing.T) {
	text := "[Interface]\nPrivateKey = SMx89EWinnuD6QZ5D1wxnkTR3lAG3ycvWQW4KvlHbl0=\nAddress = 10.8.0.2/32\n"
	c, err := Encode([]byte(text), M)
	if err != nil {
		t.Fatal(err)
	}
	svg := c.SVG()
	n := c.Size + 2*Quiet
	if !regexp.MustCompile(`^<svg [^>]*viewBox="0 0 ` + strconv.Itoa(n) + " " + strconv.Itoa(n) + `"`).MatchString(svg) {
		t.Fatalf("viewBox is not %d modules: %.100s", n, svg)
	}
	grid := make([][]bool, c.Size)
	for i := range grid {
		grid[i] = make([]bool, c.Size)
	}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := 0; i < w; i++ {
			if grid[y-Quiet][x-Quiet+i] {
				t.Fatalf("module %d,%d drawn twice", x+i, y)
			}
			grid[y-Quiet][x-Quiet+i] = true
		}
	}
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if grid[y][x] != c.Dark(x, y) {
				t.Fatalf("module %d,%d: svg %v, symbol %v", x, y, grid[y][x], c.Dark(x, y))
			}
		}
	}
	got, err := decode(grid)
	if err != nil || string(got) != text {
		t.Errorf("decoded %q, %v", got, err)
	}
}
