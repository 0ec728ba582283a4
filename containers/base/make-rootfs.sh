#!/bin/sh
# Writes the root file system of gridbox's base image as a tar file: Debian minbase from the
# Debian mirror, made by mmdebstrap, ready for `docker import`. No image registry is reachable
# where gridbox is built, so the base image cannot be pulled (docs/containers.md).
#
# Usage: make-rootfs.sh SUITE OUTPUT.tar
# The image's tag hashes this file and the suite (containers/images.ts), so any change here
# rebuilds every image.
set -eu
suite=$1
out=$2
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security

# mmdebstrap reads mirrors from standard input when it is not a terminal: give it none.
# 1. minbase: dpkg, apt, bash, coreutils, grep, mawk, sed (testcontainers' in-container port
#    check needs /bin/sh, awk and grep).
# 2. policy-rc.d exits 101 so that package postinsts do not start daemons inside `docker build`
#    (mmdebstrap's own, temporary one is skipped: it would remove ours when it restores).
# 3. /usr/share/man/man1 must exist although man pages are excluded, or openjdk's postinst fails.
mmdebstrap --variant=minbase --quiet \
  --aptopt='APT::Install-Recommends "false"' \
  --aptopt='APT::Install-Suggests "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --skip=chroot/policy-rc.d \
  --essential-hook='mkdir -p "$1/usr/sbin" "$1/usr/share/man/man1"' \
  --essential-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"' \
  --essential-hook='chmod 0755 "$1/usr/sbin/policy-rc.d"' \
  "$suite" "$out" \
  "deb $mirror $suite main" \
  "deb $mirror $suite-updates main" \
  "deb $security $suite-security main" </dev/null
