#!/bin/sh
# The third canonical script: splice two ports into one stream and decode it with tcpdump.
# Usage: splice.sh [MOUNTPOINT]   (a running PipesFS mount; defaults to /pipes)
# Only index entries move: web/all.pcap is the union of port 80 and port 443, in capture order.
set -e
P=${1:-/pipes}

mkdir $P/ip/tcp/port=80 $P/ip/tcp/port=443 $P/web
ln -s $P/ip/tcp/port=80 $P/web/plain
ln -s $P/ip/tcp/port=443 $P/web/tls
cat $P/web/all.pcap | tcpdump -nn -r -
