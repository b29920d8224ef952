#!/bin/sh
# Runs inside a fresh mount + UTS namespace (created by cluster.py with
# unshare --mount=FILE --uts=FILE --propagation private) and gives the node
# its own view of the filesystem: tmpfs /run and /dev/shm (fresh at every
# "boot"), the node's persistent folders bound over the system ones, and
# read-only overlays that add geoha's agents without touching the host's /usr.
#
# usage: node-mounts.sh HOSTNAME NODE_DIR OVERLAY_DIR|-
set -eu
host=$1
dir=$2
overlay=$3

hostname "$host"
mount -t tmpfs -o mode=0755,size=64m gh-run /run
mount -t tmpfs -o mode=1777,size=256m gh-shm /dev/shm

bind() {
    mount --bind "$dir/$1" "$2"
}
bind etc-corosync /etc/corosync
bind var-lib-corosync /var/lib/corosync
bind var-lib-pacemaker /var/lib/pacemaker
bind var-log /var/log
bind etc-hosts /etc/hosts
bind var-lib-mysql /var/lib/mysql
bind srv /srv

mkdir -p /run/crm /run/mysqld /run/geoha /run/resource-agents
chown hacluster:haclient /run/crm
chmod 0750 /run/crm
chown mysql:mysql /run/mysqld
chmod 0700 /run/geoha

if [ "$overlay" != - ]; then
    # pacemaker-fenced looks for fence agents only in /usr/sbin; OCF agents
    # are found under /usr/lib/ocf/resource.d/PROVIDER.
    mount -t overlay gh-sbin -o "lowerdir=$overlay/sbin:/usr/sbin" /usr/sbin
    mount -t overlay gh-ocf \
        -o "lowerdir=$overlay/ocf:/usr/lib/ocf/resource.d" \
        /usr/lib/ocf/resource.d
fi
