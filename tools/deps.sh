#!/bin/sh
# Install every Debian package geoha's build, tests and demo need.
# Idempotent and quick when everything is there; starts no service
# (policy-rc.d forbids it while we install).
set -eu

PACKAGES="build-essential pkg-config pacemaker pacemaker-dev corosync
corosync-qdevice corosync-qnetd crmsh resource-agents libqb-dev
libcorosync-common-dev libcmap-dev libquorum-dev libvotequorum-dev
default-libmysqlclient-dev libcurl4-openssl-dev libjansson-dev
libcmocka-dev mariadb-server mariadb-client php-cli php-mysql
libxml2-dev libxml2-utils rsync openssh-client openssh-server clang-format
sbd fence-agents iproute2 inotify-tools procps psmisc python3 curl
clang-14 libclang-rt-14-dev llvm-14"
# make deb and tests/deb/run (issue 21): Debian's packaging tools, lintian,
# and man-db/groff to check the generated man pages.
PACKAGES="$PACKAGES debhelper dpkg-dev lintian man-db groff-base"
# The Azure SDK for Python: fence_azure_arm (fence-agents) needs it for
# every action but metadata (make bench, issue 18), and
# tests/mock-azure-sdk/run drives the mock Azure with it over TLS (issue
# 20); openssl makes the throwaway certificates.
PACKAGES="$PACKAGES python3-azure openssl"

missing=""
for p in $PACKAGES; do
    s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$s" in
        *" installed") ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run as root to install)" >&2
    exit 1
fi
echo "deps: installing$missing"
# Keep services from starting during installation (there is no systemd
# here, and a test machine must not grow daemons behind our back).
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
[ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
exit 0
