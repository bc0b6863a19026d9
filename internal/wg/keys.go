// Package wg is wgowrt's pure WireGuard domain: keys, names, addresses, the
// UCI schema netifd and firewall4 read, and the client configuration a peer
// is given. Nothing here touches the machine: keys and randomness come in
// as arguments, so every decision can be replayed in a test.
package wg

import (
	"crypto/ecdh"
	"encoding/base64"
	"fmt"
)

// KeyLen is the length of a Curve25519 key in bytes.
const KeyLen = 32

// Key is a WireGuard private, public or preshared key.
type Key [KeyLen]byte

// Hidden is what output shows instead of a private or preshared key.
const Hidden = "(hidden)"

// ParseKey reads a base64 key as wg(8) prints it (44 characters). The error
// never repeats the value, which may be a secret.
func ParseKey(s string) (Key, error) {
	var k Key
	if len(s) != 44 {
		return k, fmt.Errorf("a WireGuard key is 44 base64 characters, got %d", len(s))
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != KeyLen {
		return k, fmt.Errorf("not a base64 WireGuard key (as printed by 'wg genkey' or 'wg pubkey')")
	}
	copy(k[:], b)
	return k, nil
}

// String returns the key in base64.
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// IsZero reports whether k is all zeroes (unset).
func (k Key) IsZero() bool { return k == Key{} }

// NewPrivateKey turns 32 random bytes into a private key by clamping them
// as Curve25519 requires (what 'wg genkey' does).
func NewPrivateKey(random [KeyLen]byte) Key {
	k := Key(random)
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	return k
}

// PublicKey derives the public key of private key k.
func (k Key) PublicKey() Key {
	priv, err := ecdh.X25519().NewPrivateKey(k[:])
	if err != nil {
		// NewPrivateKey only fails on a wrong length, which Key rules out.
		panic(err)
	}
	var pub Key
	copy(pub[:], priv.PublicKey().Bytes())
	return pub
}

// KeySource yields fresh random 32-byte values: crypto/rand on a router, a
// deterministic sequence in tests.
type KeySource func() ([KeyLen]byte, error)

// GeneratePrivate draws a private key from src.
func GeneratePrivate(src KeySource) (Key, error) {
	b, err := src()
	if err != nil {
		return Key{}, fmt.Errorf("generating a key: %w", err)
	}
	return NewPrivateKey(b), nil
}

// GeneratePreshared draws a preshared key from src (no clamping: any 32
// bytes are a valid PSK).
func GeneratePreshared(src KeySource) (Key, error) {
	b, err := src()
	if err != nil {
		return Key{}, fmt.Errorf("generating a key: %w", err)
	}
	return Key(b), nil
}
