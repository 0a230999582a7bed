#!/bin/sh
# The second canonical script: scrub HTTP requests through a user-space stage.
# Usage: scrub.sh [MOUNTPOINT]   (a running PipesFS mount; defaults to /pipes)
# grep's output lines are written into the user node httpclean, one element per line; the
# get class moved under it keeps only request lines that start with GET. Prints the GET
# requests without '..' in them, and ends when the source ends.
set -e
P=${1:-/pipes}

mkdir $P/httpclean
mv $P/ip/tcp/http/get $P/httpclean/
cat $P/ip/tcp/http/all | grep --line-buffered -av '\.\.' > $P/httpclean/all &
cat $P/httpclean/get/all            # GET requests without '..' in them
wait
