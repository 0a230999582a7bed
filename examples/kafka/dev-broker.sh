#!/usr/bin/env bash
# A single Apache Kafka node (KRaft: broker and controller in one process) on 127.0.0.1, from
# Kafka's own jars in the local Maven repository, for trying kafka= export nodes and kafka:
# sources on one machine. Data and log live in DIR; Ctrl-C stops it.
#   bash examples/kafka/dev-broker.sh DIR [PORT]       (default port 9092)
#   ./pipesfs mount --kafka 127.0.0.1:9092 /pipes && mkdir /pipes/ip/tcp/kafka=tcp
#   kcat -C -b 127.0.0.1:9092 -t tcp -e
# Records keep their capture time, so time-based retention is off (a replay of an old capture
# would otherwise be deleted at once).
set -euo pipefail
DIR="${1:?usage: dev-broker.sh DIR [PORT]}"; PORT="${2:-9092}"; CONTROLLER=$((PORT + 1))
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"
CP="$DIR/classpath"
if [ ! -s "$CP" ]; then
  (cd "$REPO" && mvn -q -B dependency:build-classpath -pl fs -Dmdep.includeScope=test -Dmdep.outputFile="$CP") >&2
fi
if [ ! -f "$DIR/server.properties" ]; then
  cat > "$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/data
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
log.retention.ms=-1
PROPS
  java -cp "$(cat "$CP")" kafka.tools.StorageTool format -t "$(head -c 16 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 22)" \
    -c "$DIR/server.properties" --standalone >&2
fi
echo "kafka on 127.0.0.1:$PORT (data in $DIR/data); Ctrl-C stops it" >&2
exec java -Xmx1g -cp "$(cat "$CP")" kafka.Kafka "$DIR/server.properties"
