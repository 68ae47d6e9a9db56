#!/bin/sh
# deb.sh: make deb. Build the Debian source package gpio-aggregator and its
# binary packages gpio-aggregator-dkms (all) and gpio-vhost-user (amd64)
# with dpkg-buildpackage and debhelper, in out/deb/, then check them with
# lintian (no error, no warning: each exception is an override in debian/
# with its reason). The source tree is assembled in
# out/deb/gpio-aggregator-<version>/, never built in the repo:
#   module/      the DKMS tree of dkms/source.sh (its dkms.conf has the version)
#   tools/gpio/  the back-end, the units, the boot-time script and its
#                configuration file, its udev rule, the example udev rule
#   debian/      the packaging, from the repo's debian/, and a changelog
# The version is the DKMS tree's: the date and hash of the last commit, "+"
# when the product files differ from it. Prints the .changes file.
. "$(dirname "$0")/lib.sh"

deb=$OUT/deb
stage=$deb/stage
rm -rf "$stage"
mkdir -p "$stage/module"
sh "$TOP/dkms/source.sh" "$stage/module"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$stage/module/dkms.conf")
[ -n "$version" ] || die "no PACKAGE_VERSION in $stage/module/dkms.conf"
# The packaging and the files of tools/gpio it takes count too.
case $version in
*+) ;;
*) (cd "$TOP" && git diff --quiet HEAD -- debian tools/gpio 2>/dev/null) || version=$version+ ;;
esac
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" "$stage/module/dkms.conf"

mkdir -p "$stage/tools/gpio"
for f in gpio-vhost-user.c gpio-vhost-user@.service gpio-aggregators gpio-aggregators.service \
	gpio-aggregators.conf 60-gpio-aggregator.rules 61-gpio-aggregators.rules; do
	cp -p "$TOP/tools/gpio/$f" "$stage/tools/gpio/$f"
done
cp -pR "$TOP/debian" "$stage/debian"

# The changelog: one entry for this version, dated by the last commit (the
# same commit gives the same packages).
date=$(cd "$TOP" && git log -1 --format=%cD 2>/dev/null) || date=$(date -R)
maint=$(sed -n 's/^Maintainer: //p' "$TOP/debian/control")
cat > "$stage/debian/changelog" <<CHANGELOG
gpio-aggregator ($version) unstable; urgency=medium

  * Built from commit $version of the gpio-aggregator repository.

 -- $maint  $date
CHANGELOG

# Only this version's files in out/deb.
src=$deb/gpio-aggregator-$version
rm -rf "$deb"/gpio-aggregator-* "$deb"/gpio-aggregator_* "$deb"/gpio-aggregator-dkms_* "$deb"/gpio-vhost-user_* \
	"$deb"/gpio-vhost-user-dbgsym_*
mv "$stage" "$src"

log=$LOGS/deb-build.log
run_logged "$log" "dpkg-buildpackage of gpio-aggregator $version in $src" \
	sh -c "cd '$src' && dpkg-buildpackage -us -uc --no-sign -d" ||
	die "dpkg-buildpackage failed; log: $log"
changes=$deb/gpio-aggregator_${version}_$(dpkg --print-architecture).changes
[ -f "$changes" ] || die "dpkg-buildpackage made no $changes; log: $log"

llog=$LOGS/deb-lintian.log
run_logged "$llog" "lintian on $changes" \
	lintian --fail-on error,warning --display-info "$changes" ||
	die "lintian reports an error or a warning (not overridden); log: $llog"
echo "$changes"
