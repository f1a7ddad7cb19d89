# debian-kernel.sh - sourced by the scripts that boot Debian's own kernel
# under qemu (tests/kvm/build-guest, tests/vm/build): fetch the kernel
# package that linux-image-amd64 points at from the machine's apt sources
# and unpack it. Needs apt-get (download only) and python3.

# debian_kernel DIR: unpacks the package into DIR/pkg and writes the
# kernel as an uncompressed ELF to DIR/vmlinux (qemu -kernel boots it
# through its PVH entry, without firmware and without decompressing it
# under TCG). Prints the kernel's version.
debian_kernel() {
	local dir=$1 pkg kver
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
	if [ -z "$pkg" ]; then
		echo "no linux-image package known to apt (apt-get update?)" >&2
		return 1
	fi
	(cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null) || return 1
	dpkg-deb -x "$dir"/*.deb "$dir/pkg" && rm -f "$dir"/*.deb || return 1
	kver=${pkg#linux-image-}
	# extract-vmlinux: the payload of a bzImage is one compressed stream;
	# Debian's are xz.
	python3 - "$dir/pkg/boot/vmlinuz-$kver" "$dir/vmlinux" <<'PY' || return 1
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("no xz stream in " + sys.argv[1])
out = lzma.LZMADecompressor().decompress(data[at:])
if out[:4] != b"\x7fELF":
    sys.exit("the payload of " + sys.argv[1] + " is not an ELF kernel")
open(sys.argv[2], "wb").write(out)
PY
	echo "$kver"
}

# debian_modules DIR KVER DEST MODULE...: copies MODULE... and everything
# they depend on from DIR/pkg into DEST/lib/modules/KVER with a
# modules.dep that busybox's modprobe reads (made by busybox's depmod: the
# package has none). Names may use - or _.
debian_modules() {
	local dir=$1 kver=$2 dest=$3 m
	shift 3
	local base=$dir/pkg/lib/modules/$kver
	[ -s "$base/modules.dep" ] || busybox depmod -b "$dir/pkg" "$kver" || return 1
	mkdir -p "$dest/lib/modules/$kver"
	python3 - "$base" "$dest/lib/modules/$kver" "$@" <<'PY'
import lzma, os, shutil, sys
base, dest, want = sys.argv[1], sys.argv[2], sys.argv[3:]
deps = {}
for line in open(os.path.join(base, "modules.dep")):
    path, _, rest = line.partition(":")
    deps[path.strip()] = rest.split()
def name(p):
    return os.path.basename(p).split(".ko")[0].replace("-", "_")
def plain(p):  # busybox's modprobe wants uncompressed modules
    return p[:p.index(".ko") + 3]
byname = {name(p): p for p in deps}
need = []
def add(p):
    if p in need:
        return
    for d in deps[p]:
        add(d)
    need.append(p)
for m in want:
    p = byname.get(m.replace("-", "_"))
    if p is None:
        sys.exit("no module " + m + " in the kernel package")
    add(p)
with open(os.path.join(dest, "modules.dep"), "w") as out:
    for p in need:
        os.makedirs(os.path.join(dest, os.path.dirname(p)), exist_ok=True)
        src, to = os.path.join(base, p), os.path.join(dest, plain(p))
        if p.endswith(".xz"):
            open(to, "wb").write(lzma.open(src).read())
        else:
            shutil.copy(src, to)
        out.write(plain(p) + ": " + " ".join(plain(d) for d in deps[p]) + "\n")
PY
}
