// Package adb writes (and reads back) apk-tools v3 "ADB" files: the .apk
// packages and packages.adb indexes of OpenWrt 25.12 and later. Standard
// library only; facts from the format (apk-tools doc/apk-v3.5.scd, src/adb.h,
// src/apk_adb.h), each checked against the real apk 3.0.6.
//
// A file is "ADB." + a 4-byte schema id, then blocks, each a little-endian
// u32 (type<<30 | 4+length) and its payload, padded to 8 bytes: one ADB block
// (a tree of 32-bit values), SIG blocks, then DATA blocks (file contents).
// The ADB block starts with {compat 0, version 0, 0, root value}; a value is
// 4 type bits and 28 bits of either the number itself or the offset (from the
// start of the ADB payload) of what it points to: u32 for big ints, a
// length-prefixed blob, or a slot array whose slot 0 counts the slots.
// Compressed files are "ADBd" + the raw deflate stream of all of that.
package adb

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
)

// Schema ids (the 4 bytes after "ADB.").
const (
	SchemaPackage uint32 = 0x676b6370 // "pckg"
	SchemaIndex   uint32 = 0x78646e69 // "indx"
)

const (
	magic      = "ADB."
	magicFlate = "ADBd"

	blockADB  = 0
	blockSig  = 1
	blockData = 2

	typeInt    = 0x10000000
	typeInt32  = 0x20000000
	typeBlob8  = 0x80000000
	typeBlob16 = 0x90000000
	typeBlob32 = 0xa0000000
	typeArray  = 0xd0000000
	typeObject = 0xe0000000
	typeMask   = 0xf0000000
	valueMask  = 0x0fffffff
)

type kind byte

const (
	kNull kind = iota
	kInt
	kBlob
	kRaw // a blob never shared with an equal one (patched after encoding)
	kObject
	kArray
)

// Value is one node of an ADB tree. The zero Value is null (an absent field).
type Value struct {
	k     kind
	n     uint32
	b     []byte
	slots []Value // object: field i at slots[i-1]; array: the items
}

// Int is a number.
func Int(n uint32) Value { return Value{k: kInt, n: n} }

// Blob is a byte string; an empty one is null, as in apk.
func Blob(b []byte) Value {
	if len(b) == 0 {
		return Value{}
	}
	return Value{k: kBlob, b: b}
}

// Str is Blob of a string.
func Str(s string) Value { return Blob([]byte(s)) }

// Object builds an object from its fields by index (1-based, as in apk's
// ADBI_* constants); missing indexes are null.
func Object(fields map[int]Value) Value {
	max := 0
	for i := range fields {
		if i > max {
			max = i
		}
	}
	v := Value{k: kObject, slots: make([]Value, max)}
	for i, f := range fields {
		if i < 1 {
			panic("adb: field index < 1")
		}
		v.slots[i-1] = f
	}
	return v
}

// Array is a list of values; nulls are dropped, as apk does.
func Array(items ...Value) Value {
	v := Value{k: kArray}
	for _, it := range items {
		if !it.IsNull() {
			v.slots = append(v.slots, it)
		}
	}
	return v
}

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.k == kNull }

// Field returns field i of an object (null when absent).
func (v Value) Field(i int) Value {
	if v.k != kObject || i < 1 || i > len(v.slots) {
		return Value{}
	}
	return v.slots[i-1]
}

// Items returns the items of an array.
func (v Value) Items() []Value {
	if v.k != kArray {
		return nil
	}
	return v.slots
}

// Bytes returns a blob's bytes; Uint returns a number.
func (v Value) Bytes() []byte { return v.b }
func (v Value) Uint() uint32  { return v.n }

// With returns a copy of object v with field i set to f.
func (v Value) With(i int, f Value) Value {
	n := len(v.slots)
	if i > n {
		n = i
	}
	c := Value{k: kObject, slots: make([]Value, n)}
	copy(c.slots, v.slots)
	c.slots[i-1] = f
	return c
}

// encoder lays out values after the 8-byte ADB header, children before
// parents, sharing equal blobs and slot arrays like apk does.
type encoder struct {
	buf  []byte
	seen map[string]uint32
	raw  []int // offsets of kRaw payloads
}

func (e *encoder) data(p []byte, align int, share bool) uint32 {
	key := string(rune('0'+align)) + string(p)
	if share {
		if off, ok := e.seen[key]; ok {
			return off
		}
	}
	for len(e.buf)%align != 0 {
		e.buf = append(e.buf, 0)
	}
	off := uint32(len(e.buf))
	e.buf = append(e.buf, p...)
	if share {
		e.seen[key] = off
	}
	return off
}

func (e *encoder) put(v Value) uint32 {
	switch v.k {
	case kInt:
		if v.n <= valueMask {
			return typeInt | v.n
		}
		return typeInt32 | e.data(binary.LittleEndian.AppendUint32(nil, v.n), 4, true)
	case kBlob, kRaw:
		var p []byte
		var t uint32
		align := 1
		switch n := len(v.b); {
		case n > 0xffff:
			p, t, align = binary.LittleEndian.AppendUint32(nil, uint32(n)), typeBlob32, 4
		case n > 0xff:
			p, t, align = binary.LittleEndian.AppendUint16(nil, uint16(n)), typeBlob16, 2
		default:
			p, t = []byte{byte(n)}, typeBlob8
		}
		off := e.data(append(p, v.b...), align, v.k == kBlob)
		if v.k == kRaw {
			e.raw = append(e.raw, int(off)+len(p))
		}
		return t | off
	case kObject, kArray:
		slots := v.slots
		if v.k == kObject {
			for len(slots) > 0 && slots[len(slots)-1].IsNull() {
				slots = slots[:len(slots)-1]
			}
		}
		if len(slots) == 0 {
			return 0
		}
		words := make([]byte, 4*(len(slots)+1))
		binary.LittleEndian.PutUint32(words, uint32(len(slots)+1))
		for i, s := range slots {
			binary.LittleEndian.PutUint32(words[4*(i+1):], e.put(s))
		}
		t := uint32(typeObject)
		if v.k == kArray {
			t = typeArray
		}
		return t | e.data(words, 4, true)
	}
	return 0
}

// encode returns the ADB block payload for root and the offsets of its raw
// blobs' bytes.
func encode(root Value) ([]byte, []int, error) {
	e := &encoder{buf: make([]byte, 8), seen: map[string]uint32{}}
	r := e.put(root)
	if len(e.buf) > valueMask {
		return nil, nil, errors.New("adb: tree larger than 256 MiB")
	}
	binary.LittleEndian.PutUint32(e.buf[4:], r)
	return e.buf, e.raw, nil
}

// block appends one block of type t holding p, padded to 8 bytes.
func block(dst []byte, t uint32, parts ...[]byte) []byte {
	n := 4
	for _, p := range parts {
		n += len(p)
	}
	dst = binary.LittleEndian.AppendUint32(dst, t<<30|uint32(n))
	for _, p := range parts {
		dst = append(dst, p...)
	}
	for n%8 != 0 {
		dst = append(dst, 0)
		n++
	}
	return dst
}

func header(schema uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte(magic), schema)
}

// Deflate compresses b into a raw deflate stream. The default is Go's
// compress/flate at level 9, whose output depends only on its input and the
// Go version; GzipDeflate uses gzip(1) instead (zlib's level 9 makes the
// wgowrt packages ~1.5 % smaller).
var Deflate = func(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(b); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// GzipDeflate returns a Deflate that runs `gzip -9n` and keeps the raw
// deflate stream between its fixed 10-byte header and 8-byte trailer,
// checking it inflates back to the input.
func GzipDeflate(gzip string) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		cmd := exec.Command(gzip, "-9n", "-c")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%s -9n: %w", gzip, err)
		}
		// ID1 ID2 CM=8 FLG=0 MTIME=0 (-n) XFL OS, then deflate, CRC32, ISIZE.
		if len(out) < 18 || out[0] != 0x1f || out[1] != 0x8b || out[2] != 8 || out[3] != 0 {
			return nil, fmt.Errorf("%s -9n: unexpected output header", gzip)
		}
		raw := out[10 : len(out)-8]
		back, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
		if err != nil || !bytes.Equal(back, b) {
			return nil, fmt.Errorf("%s -9n: its deflate stream does not inflate to the input", gzip)
		}
		return raw, nil
	}
}

// compress writes "ADBd" and the raw deflate stream of b.
func compress(w io.Writer, b []byte) error {
	z, err := Deflate(b)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, magicFlate); err != nil {
		return err
	}
	_, err = w.Write(z)
	return err
}

// File is a parsed ADB file: its schema, the ADB payload, the decoded root.
type File struct {
	Schema  uint32
	Payload []byte
	Root    Value
}

// Parse reads an ADB file, compressed ("ADBd") or not, and decodes the tree
// of its ADB block. Signatures are not checked.
func Parse(b []byte) (*File, error) {
	if bytes.HasPrefix(b, []byte(magicFlate)) {
		d, err := inflate(b[4:])
		if err != nil {
			return nil, fmt.Errorf("adb: inflating: %w", err)
		}
		b = d
	}
	if len(b) < 12 || string(b[:4]) != magic {
		return nil, errors.New("adb: not an ADB file (no ADB. header)")
	}
	f := &File{Schema: binary.LittleEndian.Uint32(b[4:])}
	ts := binary.LittleEndian.Uint32(b[8:])
	size := int(ts & 0x3fffffff)
	if ts>>30 != blockADB || size < 4+8 || 8+size > len(b) {
		return nil, errors.New("adb: first block is not a valid ADB block")
	}
	f.Payload = b[12 : 8+size]
	if f.Payload[0] != 0 {
		return nil, fmt.Errorf("adb: unsupported compat version %d", f.Payload[0])
	}
	d := decoder{p: f.Payload}
	f.Root = d.get(binary.LittleEndian.Uint32(f.Payload[4:]), 0)
	if d.err != nil {
		return nil, d.err
	}
	return f, nil
}

func inflate(b []byte) ([]byte, error) {
	return io.ReadAll(flate.NewReader(bytes.NewReader(b)))
}

type decoder struct {
	p   []byte
	err error
}

func (d *decoder) at(off uint32, n int) []byte {
	if int(off)+n > len(d.p) || n < 0 {
		d.err = errors.New("adb: value points outside the ADB block")
		return make([]byte, n)
	}
	return d.p[off : int(off)+n]
}

func (d *decoder) get(v uint32, depth int) Value {
	if depth > 32 {
		d.err = errors.New("adb: tree too deep")
		return Value{}
	}
	off := v & valueMask
	switch v & typeMask {
	case 0:
		return Value{}
	case typeInt:
		return Int(off)
	case typeInt32:
		return Int(binary.LittleEndian.Uint32(d.at(off, 4)))
	case typeBlob8:
		n := int(d.at(off, 1)[0])
		return Blob(d.at(off+1, n))
	case typeBlob16:
		n := int(binary.LittleEndian.Uint16(d.at(off, 2)))
		return Blob(d.at(off+2, n))
	case typeBlob32:
		n := int(binary.LittleEndian.Uint32(d.at(off, 4)))
		return Blob(d.at(off+4, n))
	case typeObject, typeArray:
		n := int(binary.LittleEndian.Uint32(d.at(off, 4)))
		if n < 1 || n > len(d.p)/4 {
			d.err = errors.New("adb: bad slot count")
			return Value{}
		}
		w := d.at(off, 4*n)
		out := Value{k: kObject}
		if v&typeMask == typeArray {
			out.k = kArray
		}
		for i := 1; i < n && d.err == nil; i++ {
			out.slots = append(out.slots, d.get(binary.LittleEndian.Uint32(w[4*i:]), depth+1))
		}
		return out
	}
	d.err = fmt.Errorf("adb: unknown value type %#x", v&typeMask)
	return Value{}
}
