package adb

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

// The real apk checks these files (scripts/test-apk.sh); these tests pin the
// encoding rules without it.

func TestEncodeRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 300)
	root := Object(map[int]Value{
		1: Str("name"),
		2: Int(0x0fffffff), // largest direct int
		3: Int(0x10000000), // first indirect one
		5: Array(Str("a"), Value{}, Str("b")),
		6: Blob(big),                             // blob16
		7: Object(map[int]Value{2: Str("name")}), // shared blob
	})
	payload, _, err := encode(root)
	if err != nil {
		t.Fatal(err)
	}
	d := decoder{p: payload}
	got := d.get(binary.LittleEndian.Uint32(payload[4:]), 0)
	if d.err != nil {
		t.Fatal(d.err)
	}
	if s := string(got.Field(1).Bytes()); s != "name" {
		t.Errorf("field 1 = %q", s)
	}
	if got.Field(2).Uint() != 0x0fffffff || got.Field(3).Uint() != 0x10000000 {
		t.Errorf("ints = %#x %#x", got.Field(2).Uint(), got.Field(3).Uint())
	}
	if !got.Field(4).IsNull() {
		t.Error("field 4 should be null")
	}
	if n := len(got.Field(5).Items()); n != 2 {
		t.Errorf("array has %d items, want 2 (nulls dropped)", n)
	}
	if !bytes.Equal(got.Field(6).Bytes(), big) {
		t.Error("blob16 differs")
	}
	if bytes.Count(payload, []byte("\x04name")) != 1 {
		t.Error("equal blobs are not shared")
	}
	if binary.LittleEndian.Uint32(payload[4:])&typeMask != typeObject {
		t.Error("root is not an object")
	}
}

func TestPackageAndIndex(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	must(t, os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "usr/bin/x"), []byte("hello\n"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "usr/bin/empty"), nil, 0o644))
	must(t, os.Symlink("/usr/bin/x", filepath.Join(root, "usr/bin/y")))
	p := &Package{Name: "foo", Version: "1.0-r1", Arch: "noarch", Depends: []string{"bar"}, Root: root, Mtime: 1,
		Scripts: map[string][]byte{"post-install": []byte("#!/bin/sh\n")}}
	var a, b bytes.Buffer
	must(t, p.Write(&a))
	must(t, p.Write(&b))
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes differ")
	}
	f, err := Parse(a.Bytes())
	must(t, err)
	info := f.Root.Field(PkgInfo)
	// The unique id: SHA-256 of the payload with the id zeroed, first 20 bytes.
	uid := info.Field(InfoHashes).Bytes()
	zeroed := bytes.Replace(f.Payload, uid, make([]byte, 20), 1)
	if sum := sha256.Sum256(zeroed); !bytes.Equal(sum[:20], uid) {
		t.Errorf("unique id %x, want %x", uid, sum[:20])
	}
	paths := f.Root.Field(PkgPaths).Items()
	if len(paths) != 3 { // "", usr, usr/bin
		t.Fatalf("%d paths, want 3", len(paths))
	}
	files := paths[2].Field(dirFiles).Items()
	if len(files) != 3 || string(files[0].Field(fileName).Bytes()) != "empty" {
		t.Fatalf("files of usr/bin not sorted: %d", len(files))
	}
	if tg := files[2].Field(fileTarget).Bytes(); string(tg) != "\x00\xa0/usr/bin/x" {
		t.Errorf("symlink target %q", tg)
	}
	// One DATA block (x); none for the empty file or the link.
	if n := bytes.Count(a.Bytes(), []byte("hello\n")); n != 0 {
		t.Error("output is not compressed")
	}

	key := testKey(t)
	var idx bytes.Buffer
	must(t, WriteIndex(&idx, "test", [][]byte{a.Bytes()}, key))
	fi, err := Parse(idx.Bytes())
	must(t, err)
	pk := fi.Root.Field(ndxPackages).Items()[0]
	if sum := sha256.Sum256(f.Payload); !bytes.Equal(pk.Field(InfoHashes).Bytes(), sum[:]) {
		t.Error("index hash is not the SHA-256 of the package's ADB payload")
	}
	if pk.Field(InfoFileSize).Uint() != uint32(a.Len()) {
		t.Error("index file-size")
	}
	// The signature: key id = SHA-512(uncompressed point)[:16], signed
	// message = schema || header || SHA-512(payload).
	raw, err := inflate(idx.Bytes()[4:])
	must(t, err)
	sig := raw[8+int(binary.LittleEndian.Uint32(raw[8:])&0x3fffffff+7)&^7:]
	if sig[3]>>6 != blockSig {
		t.Fatalf("no SIG block after the ADB block")
	}
	body := sig[4 : binary.LittleEndian.Uint32(sig)&0x3fffffff]
	pub := key.signer.Public().(*ecdsa.PublicKey)
	ek, _ := pub.ECDH()
	if id := sha512.Sum512(ek.Bytes()); !bytes.Equal(body[2:18], id[:16]) {
		t.Error("key id")
	}
	md := sha512.Sum512(fi.Payload)
	msg := append(binary.LittleEndian.AppendUint32(nil, SchemaIndex), body[:18]...)
	h := sha512.Sum512(append(msg, md[:]...))
	if !ecdsa.VerifyASN1(pub, h[:], body[18:]) {
		t.Error("signature does not verify")
	}
}

func testKey(t *testing.T) *Key {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	der, err := x509.MarshalECPrivateKey(k)
	must(t, err)
	key, err := ParseKey(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	must(t, err)
	return key
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
