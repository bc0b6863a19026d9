package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCapacityMatchesStandardTable(t *testing.T) {
	// Byte-mode capacities from the standard's capacity table.
	for _, tc := range []struct {
		ver  int
		lvl  Level
		want int
	}{{1, L, 17}, {1, M, 14}, {2, L, 32}, {5, M, 84}, {10, L, 271}, {10, M, 213}, {15, L, 520}, {40, L, 2953}, {40, M, 2331}} {
		if got := capacity(tc.ver, tc.lvl); got != tc.want {
			t.Errorf("capacity(%d, %d) = %d, want %d", tc.ver, tc.lvl, got, tc.want)
		}
	}
}

func TestAlignmentPositions(t *testing.T) {
	for ver, want := range map[int]string{1: "[]", 2: "[6 18]", 7: "[6 22 38]", 14: "[6 26 46 66]", 32: "[6 34 60 86 112 138]", 40: "[6 30 58 86 114 142 170]"} {
		if got := fmt.Sprint(alignmentPositions(ver)); got != want {
			t.Errorf("version %d: %s, want %s", ver, got, want)
		}
	}
}

func TestFormatAndVersionWords(t *testing.T) {
	if got := formatWord(L, 0); got != 0x77C4 {
		t.Errorf("format L/0 = %#x, want 0x77c4", got)
	}
	if got := formatWord(M, 5); got != 0x40CE {
		t.Errorf("format M/5 = %#x, want 0x40ce", got)
	}
	c := newCode(7, L)
	c.drawVersion()
	// Version 7's 18-bit word is 000111 110010 010100 (0x07C94); bit 0
	// sits at (size-11, 0).
	word := 0
	for i := 0; i < 18; i++ {
		if c.modules[i/3][c.Size-11+i%3] {
			word |= 1 << i
		}
	}
	if word != 0x07C94 {
		t.Errorf("version 7 word = %#x, want 0x7c94", word)
	}
}

func TestReedSolomonStandardExample(t *testing.T) {
	// The standard's worked example: "01234567" as version 1-M.
	data := []byte{0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11}
	want := []byte{0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55}
	if got := rsRemainder(data, rsDivisor(10)); !bytes.Equal(got, want) {
		t.Errorf("ECC = % X, want % X", got, want)
	}
}

func TestRoundTripThroughOwnDecoder(t *testing.T) {
	for _, n := range []int{0, 1, 14, 15, 17, 100, 213, 214, 300, 420, 1000, 2331, 2500} {
		for _, lvl := range []Level{L, M} {
			data := bytes.Repeat([]byte("[Peer]\nAllowedIPs = 0.0.0.0/0\n"), n/30+1)[:n]
			c, err := Encode(data, lvl)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decode(c.matrix())
			if err != nil {
				t.Fatalf("%d bytes, level %d, version %d: %v", n, lvl, c.Version, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%d bytes, level %d: decoded %q", n, lvl, got)
			}
		}
	}
}

func TestTooLong(t *testing.T) {
	if _, err := Encode(make([]byte, 2954), M); err == nil {
		t.Fatal("2954 bytes encoded; the maximum is 2953")
	}
}

func (c *Code) matrix() [][]bool {
	out := make([][]bool, c.Size)
	for y := range out {
		out[y] = append([]bool(nil), c.modules[y]...)
	}
	return out
}

func TestHalfBlocksMatchModules(t *testing.T) {
	c, _ := Encode([]byte("wgowrt"), M)
	lines := strings.Split(strings.TrimSuffix(c.Half(), "\n"), "\n")
	n := c.Size + 2*Quiet
	if len(lines) != (n+1)/2 {
		t.Fatalf("%d lines, want %d", len(lines), (n+1)/2)
	}
	for y, line := range lines {
		runes := []rune(line)
		if len(runes) != n {
			t.Fatalf("line %d has %d columns, want %d", y, len(runes), n)
		}
		for x, r := range runes {
			top := moduleLight(c, x-Quiet, 2*y-Quiet)
			bottom := 2*y+1 < n && moduleLight(c, x-Quiet, 2*y+1-Quiet)
			want := map[[2]bool]rune{{true, true}: '█', {true, false}: '▀', {false, true}: '▄', {false, false}: ' '}[[2]bool{top, bottom}]
			if r != want {
				t.Fatalf("line %d column %d: %q, want %q", y, x, r, want)
			}
		}
	}
}

func moduleLight(c *Code, x, y int) bool {
	if x < 0 || y < 0 || x >= c.Size || y >= c.Size {
		return true
	}
	return !c.Dark(x, y)
}

// TestZbarDecodes checks the symbol with an independent decoder, zbarimg
// (Debian package zbar-tools), when it is installed.
func TestZbarDecodes(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (apt-get install zbar-tools) — the independent decoder check is skipped")
	}
	text := "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.8.0.2/32, fd00:8::2/128\nDNS = 10.8.0.1\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nPresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=\nAllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = [2001:db8::1]:51820\nPersistentKeepalive = 25\n"
	for _, lvl := range []Level{L, M} {
		c, err := Encode([]byte(text), lvl)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "qr.png")
		writePNG(t, c, path)
		out, err := exec.Command(zbar, "--raw", "-q", "-Sbinary", path).Output()
		if err != nil {
			t.Fatalf("zbarimg: %v", err)
		}
		if string(out) != text && strings.TrimSuffix(string(out), "\n") != text {
			t.Fatalf("zbarimg read %q", out)
		}
	}
}

func writePNG(t *testing.T, c *Code, path string) {
	const scale = 4
	n := (c.Size + 2*Quiet) * scale
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			img.SetGray(x, y, color.Gray{255})
			if !moduleLight(c, x/scale-Quiet, y/scale-Quiet) {
				img.SetGray(x, y, color.Gray{0})
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
