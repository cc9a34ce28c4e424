#!/bin/bash
# Builds dist/nodeguard_VERSION_amd64.deb from the release binaries
# (make release: --static-swift-stdlib, -Osize), laid out by Debian policy:
# the daemon and the CLI stripped, the unit, the config as a conffile, the
# journal catalog, man pages, copyright and changelog. Depends comes from
# dpkg-shlibdeps; Installed-Size and the control file from dpkg-gencontrol.
# Prints the units' `systemd-analyze security` scores.
#
# usage: packaging/build-deb.sh [OUTDIR] [VERSION]   (default dist/; `make deb`)
#   VERSION  package version when it is not the changelog's: a rebuild such as
#            0.1.0+test1 (the package test upgrades to one); it must start
#            with the binaries' version.
set -euo pipefail
umask 022

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$TOP/dist}
PKG_VERSION=${2:-}
BIN=$TOP/.build/release
PKG=$TOP/packaging

for b in nodeguardd nodeguard; do
    [ -x "$BIN/$b" ] || { echo "build-deb: $BIN/$b is missing; run make release first"; exit 2; }
done
VERSION=$(dpkg-parsechangelog -l "$PKG/debian/changelog" -S Version)
BUILT=$("$BIN/nodeguard" --version | awk '{print $2}')
[ "$VERSION" = "$BUILT" ] || { echo "build-deb: packaging/debian/changelog says $VERSION but the binaries are $BUILT; add a changelog entry (dch -v $BUILT)"; exit 2; }
if [ -n "$PKG_VERSION" ]; then
    [[ $PKG_VERSION == "$BUILT"* ]] || { echo "build-deb: version $PKG_VERSION does not start with the binaries' version $BUILT"; exit 2; }
    VERSION=$PKG_VERSION
fi
# Reproducible: every timestamp is the changelog's date.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(dpkg-parsechangelog -l "$PKG/debian/changelog" -S Timestamp)}

W=$(mktemp -d /tmp/nodeguard-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/debian"
cp "$PKG/debian/control" "$PKG/debian/changelog" "$W/debian/"
R=$W/debian/nodeguard

install -D -m 755 "$BIN/nodeguardd" "$R/usr/sbin/nodeguardd"
install -D -m 755 "$BIN/nodeguard" "$R/usr/bin/nodeguard"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$R/usr/sbin/nodeguardd" "$R/usr/bin/nodeguard"
install -D -m 644 "$PKG/nodeguard.service" "$R/lib/systemd/system/nodeguard.service"
# The sender: the one unit that reaches the network, started by the path unit.
install -D -m 644 "$PKG/nodeguard-notify.service" "$R/lib/systemd/system/nodeguard-notify.service"
install -D -m 644 "$PKG/nodeguard-notify.path" "$R/lib/systemd/system/nodeguard-notify.path"
install -D -m 644 "$PKG/nodeguard.toml" "$R/etc/nodeguard/nodeguard.toml"
install -D -m 644 "$PKG/nodeguard.catalog" "$R/usr/lib/systemd/catalog/nodeguard.catalog"
install -d "$R/usr/share/man/man8" "$R/usr/share/man/man5" "$R/usr/share/doc/nodeguard"
gzip -9n < "$PKG/man/nodeguard.8" > "$R/usr/share/man/man8/nodeguard.8.gz"
ln -s nodeguard.8.gz "$R/usr/share/man/man8/nodeguardd.8.gz"
gzip -9n < "$PKG/man/nodeguard.toml.5" > "$R/usr/share/man/man5/nodeguard.toml.5.gz"
install -m 644 "$PKG/debian/copyright" "$R/usr/share/doc/nodeguard/copyright"
# Alert rules for the metrics textfile (promtool-tested: system-tests/prometheus).
install -D -m 644 "$PKG/examples/nodeguard-alerts.yml" "$R/usr/share/doc/nodeguard/examples/nodeguard-alerts.yml"
# A native package: its Debian changelog is changelog.gz.
gzip -9n < "$PKG/debian/changelog" > "$R/usr/share/doc/nodeguard/changelog.gz"
install -D -m 644 "$PKG/debian/nodeguard.lintian-overrides" "$R/usr/share/lintian/overrides/nodeguard"

install -d "$R/DEBIAN"
install -m 755 "$PKG/debian/postinst" "$PKG/debian/prerm" "$PKG/debian/postrm" "$R/DEBIAN/"
install -m 644 "$PKG/debian/conffiles" "$R/DEBIAN/conffiles"
(cd "$W" && dpkg-shlibdeps -Tdebian/nodeguard.substvars debian/nodeguard/usr/sbin/nodeguardd debian/nodeguard/usr/bin/nodeguard)
(cd "$W" && dpkg-gencontrol -pnodeguard -v"$VERSION" -Tdebian/nodeguard.substvars -Pdebian/nodeguard)
(cd "$R" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 644 "$R/DEBIAN/md5sums"
find "$R" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$OUT"
DEB=$OUT/nodeguard_${VERSION}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$R" "$DEB" >/dev/null
echo "build-deb: $DEB ($(stat -c %s "$DEB") bytes)"
echo "build-deb: $(dpkg-deb -f "$DEB" Depends | sed 's/^/Depends: /')"
for unit in nodeguard.service nodeguard-notify.service; do
    score=$(systemd-analyze security --offline=true --no-pager "$PKG/$unit" 2>/dev/null | sed -n "s/.*Overall exposure level for $unit: //p")
    echo "build-deb: systemd-analyze security --offline=true $unit: ${score:-unknown}"
done
