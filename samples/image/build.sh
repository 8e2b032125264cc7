#!/usr/bin/env bash
# Builds samples/image/oci, the sample image the README's main command scans: an OCI layout
# with one layer made of real Debian packages and the dpkg status that records them.
# Needs apt-get (Debian's archive), dpkg-deb and umoci. Run it to refresh the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
packages=(base-files zlib1g libzstd1 liblzma5 libbz2-1.0 python3-urllib3)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download "${packages[@]}" >/dev/null
mkdir rootfs
for deb in ./*.deb; do dpkg-deb -x "$deb" rootfs; done

# The dpkg database a real install leaves: each package's control file, with its status.
mkdir -p rootfs/var/lib/dpkg
for deb in ./*.deb; do
  dpkg-deb -f "$deb" | awk '{ print } /^Package:/ { print "Status: install ok installed" }'
  echo
done > rootfs/var/lib/dpkg/status

umoci init --layout layout
umoci new --image layout:shop-base
umoci unpack --image layout:shop-base bundle >/dev/null
cp -a rootfs/. bundle/rootfs/
umoci repack --image layout:shop-base bundle >/dev/null
umoci gc --layout layout

rm -rf "$here/oci"
cp -a layout "$here/oci"
du -sh "$here/oci"
