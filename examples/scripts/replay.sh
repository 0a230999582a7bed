#!/bin/sh
# The first canonical script: replay a capture; save the HTTP Host lines and the DNS packets.
# Usage: replay.sh CAPTURE [MOUNTPOINT]   (MOUNTPOINT defaults to /pipes)
# Mounts PipesFS paused on MOUNTPOINT unless something is mounted there already (then that
# mount must be paused, with CAPTURE as its source). Writes hosts.txt and dns.txt to the
# current directory. The mount stays up afterwards; `pipesfs umount MOUNTPOINT` ends it.
set -e
CAPTURE=${1:?usage: replay.sh CAPTURE [MOUNTPOINT]}
P=${2:-/pipes}
PIPESFS=${PIPESFS:-$(dirname "$0")/../../pipesfs}
mountpoint -q "$P" || "$PIPESFS" mount --paused --source "pcap:$CAPTURE" "$P"

cat $P/ip/tcp/http/get/all | grep -a 'Host:' > hosts.txt &
tcpdump -nn -r $P/ip/udp/dns/all.pcap > dns.txt &
echo start > $P/.ctl; wait          # both readers end at end of capture
