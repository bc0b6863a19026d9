package qr

// gfMul multiplies in GF(2^8) with the QR polynomial x^8+x^4+x^3+x^2+1.
func gfMul(a, b byte) byte {
	var r byte
	for b != 0 {
		if b&1 != 0 {
			r ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1D
		}
		b >>= 1
	}
	return r
}

// rsDivisor returns the generator polynomial of degree n, (x-α^0)…(x-α^(n-1)),
// without its leading 1, highest power first.
func rsDivisor(n int) []byte {
	out := make([]byte, n)
	out[n-1] = 1
	root := byte(1)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			out[j] = gfMul(out[j], root)
			if j+1 < n {
				out[j] ^= out[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return out
}

// rsRemainder returns the error correction codewords of data.
func rsRemainder(data, div []byte) []byte {
	out := make([]byte, len(div))
	for _, b := range data {
		f := b ^ out[0]
		copy(out, out[1:])
		out[len(out)-1] = 0
		for i := range out {
			out[i] ^= gfMul(div[i], f)
		}
	}
	return out
}
