#!/bin/sh
# make deb: build the geoha Debian package with Debian's own tools
# (dpkg-buildpackage -us -uc -b, debhelper) in a copy of the working tree,
# never in the tree itself, and put the results (the .deb files, .changes
# and .buildinfo) into OUTDIR. The copy holds every file git knows about
# plus untracked ones not ignored (git ls-files -co --exclude-standard),
# as they are in the working tree now.
#
# usage: tools/mkdeb.sh OUTDIR      (KEEP_DEB_TREE=1 keeps the copy)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: tools/mkdeb.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in dpkg-buildpackage dh; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "mkdeb: $tool is missing (make deps installs it)" >&2
        exit 1
    fi
done

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
upstream=${version%-*}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/geoha-deb.XXXXXX")
if [ -z "${KEEP_DEB_TREE:-}" ]; then
    trap 'rm -rf "$tmp"' EXIT
else
    echo "mkdeb: the build tree stays in $tmp" >&2
fi
src="$tmp/geoha-$upstream"
mkdir "$src"
# Files deleted in the working tree but still known to git are left out.
# Outside a git clone (an unpacked tarball) everything but the build
# folders is copied.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z -co --exclude-standard)
else
    (cd "$top" && find . \( -path ./build -o -path ./build-asan -o -path ./.git \) \
        -prune -o \( -type f -o -type l \) -print0)
fi | (cd "$top" && tar --null -T - --ignore-failed-read --warning=no-failed-read \
          -cf - 2>/dev/null) \
    | tar -xf - -C "$src"
[ -f "$src/debian/rules" ] || { echo "mkdeb: no debian/rules in the copy" >&2; exit 1; }

jobs=$(nproc 2>/dev/null || echo 1)
# Nothing of the calling make (`make BUILD=... deb` passes BUILD on in
# MAKEFLAGS) or of the caller's build settings reaches the package build.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES BUILD PREFIX DESTDIR CFLAGS \
    CPPFLAGS LDFLAGS CC
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1 || {
    tail -40 "$tmp/build.log" >&2
    echo "mkdeb: dpkg-buildpackage failed (log above)" >&2
    exit 1
}
cp "$tmp/build.log" "$out/build.log"
found=""
for f in "$tmp"/*.deb "$tmp"/*.ddeb "$tmp"/*.changes "$tmp"/*.buildinfo; do
    [ -f "$f" ] || continue
    cp "$f" "$out/"
    found="$found $(basename "$f")"
done
[ -n "$found" ] || { echo "mkdeb: dpkg-buildpackage made no package" >&2; exit 1; }
for f in $found; do echo "$out/$f"; done
