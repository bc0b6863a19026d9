package adb

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Field indexes of apk's package schema (src/apk_adb.h).
const (
	PkgInfo    = 1
	PkgPaths   = 2
	PkgScripts = 3

	InfoName          = 1
	InfoVersion       = 2
	InfoHashes        = 3
	InfoDescription   = 4
	InfoArch          = 5
	InfoLicense       = 6
	InfoOrigin        = 7
	InfoMaintainer    = 8
	InfoURL           = 9
	InfoInstalledSize = 12
	InfoFileSize      = 13
	InfoDepends       = 15
	InfoProvides      = 16

	depName = 1

	aclMode  = 1
	aclUser  = 2
	aclGroup = 3

	fileName   = 1
	fileACL    = 2
	fileSize   = 3
	fileMtime  = 4
	fileHash   = 5
	fileTarget = 6

	dirName  = 1
	dirACL   = 2
	dirFiles = 3

	ndxDescription = 1
	ndxPackages    = 2
)

// Scripts apk runs, by the names `apk mkpkg --script` takes.
var scriptIndex = map[string]int{
	"trigger": 1, "pre-install": 2, "post-install": 3, "pre-deinstall": 4,
	"post-deinstall": 5, "pre-upgrade": 6, "post-upgrade": 7,
}

// Package describes one .apk to write.
type Package struct {
	Name, Version, Arch, Description string
	License, Origin, URL, Maintainer string
	Depends, Provides                []string
	Scripts                          map[string][]byte // name (post-install, ...) -> body
	Root                             string            // directory tree to pack
	Mtime                            uint32            // every file's mtime (SOURCE_DATE_EPOCH)
}

type entry struct {
	rel  string // path below Root, "" for Root itself
	info fs.FileInfo
}

// scan lists Root's directories (sorted, Root first) and, for each, its
// non-directory entries (sorted), as apk mkpkg orders them.
func (p *Package) scan() ([]entry, map[string][]entry, error) {
	var dirs []entry
	files := map[string][]entry{}
	err := filepath.WalkDir(p.Root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p.Root, path)
		if rel == "." {
			rel = ""
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		switch m := fi.Mode(); {
		case m.IsDir():
			dirs = append(dirs, entry{rel, fi})
		case m.IsRegular() || m&fs.ModeSymlink != 0:
			dir := filepath.Dir(rel)
			if dir == "." {
				dir = ""
			}
			files[dir] = append(files[dir], entry{rel, fi})
		default:
			return fmt.Errorf("%s: only files, directories and symlinks can be packed", path)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].rel < dirs[j].rel })
	for _, fl := range files {
		sort.Slice(fl, func(i, j int) bool { return fl[i].rel < fl[j].rel })
	}
	return dirs, files, nil
}

// acl: mode bits, owned by root (packages are built as any user, installed
// as root, like the .ipk's --owner=0).
func acl(fi fs.FileInfo) Value {
	mode := uint32(fi.Mode().Perm())
	if fi.Mode()&fs.ModeSetuid != 0 {
		mode |= 04000
	}
	if fi.Mode()&fs.ModeSetgid != 0 {
		mode |= 02000
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		mode |= 01000
	}
	return Object(map[int]Value{aclMode: Int(mode), aclUser: Str("root"), aclGroup: Str("root")})
}

// deps turns names into dependency objects (plain names only).
func deps(names []string) Value {
	var items []Value
	for _, n := range names {
		items = append(items, Object(map[int]Value{depName: Str(n)}))
	}
	return Array(items...)
}

// Write packs p into w: the ADB block (info, paths with per-file SHA-256,
// scripts), then one DATA block per non-empty regular file, all compressed.
// Its unique id (info "hashes") is the first 20 bytes of the SHA-256 of the
// ADB payload written with that id zeroed, as apk mkpkg computes it.
func (p *Package) Write(w io.Writer) error {
	dirs, files, err := p.scan()
	if err != nil {
		return err
	}
	type dataRef struct {
		path, file int
		abs        string
		size       int64
	}
	var data []dataRef
	var paths []Value
	var installed uint64
	for i, d := range dirs {
		var fvals []Value
		for j, f := range files[d.rel] {
			abs := filepath.Join(p.Root, f.rel)
			fv := map[int]Value{
				fileName:  Str(filepath.Base(f.rel)),
				fileACL:   acl(f.info),
				fileSize:  Int(uint32(f.info.Size())),
				fileMtime: Int(p.Mtime),
			}
			if f.info.Mode()&fs.ModeSymlink != 0 {
				target, err := os.Readlink(abs)
				if err != nil {
					return err
				}
				fv[fileTarget] = Blob(append([]byte{0, 0xa0}, target...)) // u16 LE S_IFLNK, then the target
				fv[fileSize] = Int(uint32(len(target)))
			} else {
				if f.info.Size() >= 1<<32 {
					return fmt.Errorf("%s: file too large", abs)
				}
				sum, err := fileSHA256(abs)
				if err != nil {
					return err
				}
				fv[fileHash] = Blob(sum)
				installed += uint64(f.info.Size())
				if f.info.Size() > 0 {
					data = append(data, dataRef{i + 1, j + 1, abs, f.info.Size()})
				}
			}
			fvals = append(fvals, Object(fv))
		}
		paths = append(paths, Object(map[int]Value{
			dirName: Str(filepath.ToSlash(d.rel)), dirACL: acl(d.info), dirFiles: Array(fvals...),
		}))
	}
	if installed == 0 {
		installed = 1
	}
	info := map[int]Value{
		InfoName: Str(p.Name), InfoVersion: Str(p.Version), InfoHashes: {k: kRaw, b: make([]byte, 20)},
		InfoDescription: Str(p.Description), InfoArch: Str(p.Arch), InfoLicense: Str(p.License),
		InfoOrigin: Str(p.Origin), InfoMaintainer: Str(p.Maintainer), InfoURL: Str(p.URL),
		InfoInstalledSize: Int(uint32(installed)), InfoDepends: deps(p.Depends), InfoProvides: deps(p.Provides),
	}
	root := map[int]Value{PkgInfo: Object(info), PkgPaths: Array(paths...)}
	if len(p.Scripts) > 0 {
		sc := map[int]Value{}
		for name, body := range p.Scripts {
			i, ok := scriptIndex[name]
			if !ok {
				return fmt.Errorf("unknown script %q (want one of trigger, pre-install, post-install, pre-deinstall, post-deinstall, pre-upgrade, post-upgrade)", name)
			}
			sc[i] = Blob(body)
		}
		root[PkgScripts] = Object(sc)
	}
	payload, raw, err := encode(Object(root))
	if err != nil {
		return err
	}
	uid := sha256.Sum256(payload)
	copy(payload[raw[0]:raw[0]+20], uid[:20])

	out := block(header(SchemaPackage), blockADB, payload)
	for _, d := range data {
		b, err := os.ReadFile(d.abs)
		if err != nil {
			return err
		}
		if int64(len(b)) != d.size {
			return fmt.Errorf("%s changed while packing", d.abs)
		}
		hdr := binary.LittleEndian.AppendUint32(nil, uint32(d.path))
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(d.file))
		out = block(out, blockData, hdr, b)
	}
	return compress(w, out)
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// ValidName reports whether s is a valid apk package name.
func ValidName(s string) bool {
	if s == "" || !isAlnum(s[0]) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r < 128 && (isAlnum(byte(r)) || strings.ContainsRune(".+_-", r)))
	}) < 0
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
