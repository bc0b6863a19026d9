package adb

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"sort"
)

// IndexEntry is one package file for an index: its bytes.
type IndexEntry struct {
	File []byte
}

// WriteIndex writes a packages.adb for pkgs: each package's info with
// "hashes" = SHA-256 of its ADB payload (what apk checks a fetched package
// against) and "file-size", sorted by name and version; signed with key when
// it is not nil. Packages themselves need no signature: the signed index
// vouches for them by hash.
func WriteIndex(w io.Writer, description string, pkgs [][]byte, key *Key) error {
	type item struct {
		name, version string
		info          Value
	}
	var items []item
	for i, b := range pkgs {
		f, err := Parse(b)
		if err != nil {
			return fmt.Errorf("package %d: %w", i+1, err)
		}
		if f.Schema != SchemaPackage {
			return fmt.Errorf("package %d: schema %#x is not a package", i+1, f.Schema)
		}
		info := f.Root.Field(PkgInfo)
		sum := sha256.Sum256(f.Payload)
		info = info.With(InfoHashes, Blob(sum[:])).With(InfoFileSize, Int(uint32(len(b))))
		items = append(items, item{string(info.Field(InfoName).Bytes()), string(info.Field(InfoVersion).Bytes()), info})
	}
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].name != items[j].name {
			return items[i].name < items[j].name
		}
		return items[i].version < items[j].version
	})
	var infos []Value
	for _, it := range items {
		infos = append(infos, it.info)
	}
	payload, _, err := encode(Object(map[int]Value{ndxDescription: Str(description), ndxPackages: Array(infos...)}))
	if err != nil {
		return err
	}
	out := block(header(SchemaIndex), blockADB, payload)
	if key != nil {
		sig, err := key.sign(SchemaIndex, payload)
		if err != nil {
			return err
		}
		out = block(out, blockSig, sig)
	}
	return compress(w, out)
}

// Key is a private signing key (ECDSA, e.g. P-256 as OpenWrt makes them,
// or RSA) and its apk key id.
type Key struct {
	signer crypto.Signer
	id     [16]byte
}

// ParseKey reads a PEM private key (PKCS#8, SEC 1 "EC PRIVATE KEY" or
// PKCS#1 "RSA PRIVATE KEY"). The key id is what apk computes: the first 16
// bytes of the SHA-512 of the public key in OpenSSL's i2d_PublicKey form
// (the uncompressed point for EC, the PKCS#1 RSAPublicKey for RSA).
func ParseKey(pemBytes []byte) (*Key, error) {
	var blk *pem.Block
	for rest := pemBytes; ; {
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, errors.New("no PEM private key found (make one with scripts/apk-key.sh)")
		}
		if bytes.HasSuffix([]byte(blk.Type), []byte("PRIVATE KEY")) {
			break
		}
	}
	var k any
	var err error
	switch blk.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	var pub []byte
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		ek, err := k.PublicKey.ECDH()
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		pub = ek.Bytes()
	case *rsa.PrivateKey:
		pub = x509.MarshalPKCS1PublicKey(&k.PublicKey)
	default:
		return nil, fmt.Errorf("private key: %T is not supported (use EC P-256 or RSA)", k)
	}
	key := &Key{signer: k.(crypto.Signer)}
	sum := sha512.Sum512(pub)
	copy(key.id[:], sum[:16])
	return key, nil
}

// sign returns a SIG block payload: {version 0, hash SHA-512 (apk's id 4),
// key id}, then the signature (SHA-512, deterministic: RFC 6979 for ECDSA,
// PKCS#1 v1.5 for RSA) over schema || that header || SHA-512(ADB payload).
func (k *Key) sign(schema uint32, payload []byte) ([]byte, error) {
	hdr := append([]byte{0, 4}, k.id[:]...)
	md := sha512.Sum512(payload)
	msg := binary.LittleEndian.AppendUint32(nil, schema)
	msg = append(append(msg, hdr...), md[:]...)
	digest := sha512.Sum512(msg)
	sig, err := k.signer.Sign(nil, digest[:], crypto.SHA512)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return append(hdr, sig...), nil
}
