#!/usr/bin/env bash
# Runs one benchmark of docs/benchmarks.md: bench/run.sh <figure> [--option value …]
# Builds the jars first when any main source is newer than them. Needs PostgreSQL and Redis
# on 127.0.0.1 (override with --pg jdbc:postgresql://…/postgres and --redis redis://…).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: bench/run.sh <throughput|pickup|progress-logs|log-append|claim-latency|raw-sql|db-scheduler|worker-cpu|client-loop|dashboard|chaos> [--option value …]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
case "$1" in
  throughput)    class=Throughput ;;
  pickup)        class=Pickup ;;
  progress-logs) class=ProgressLogs ;;
  log-append)    class=LogAppend ;;
  claim-latency) class=ClaimLatency ;;
  raw-sql)       class=RawSql ;;
  db-scheduler)  class=DbScheduler ;;
  worker-cpu)    class=WorkerCpu ;;
  client-loop)   class=ClientLoop ;;
  dashboard)     class=DashboardPages ;;
  chaos)         class=chaos ;;
  *) usage ;;
esac
shift

if [ -z "${JAVA_HOME:-}" ]; then
  for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    if [ -x "$jdk/bin/javac" ]; then export JAVA_HOME="$jdk"; break; fi
  done
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

jars=(coordinator/target/baton-coordinator.jar worker/target/baton-worker.jar bench/target/baton-bench.jar)
stale=no
for jar in "${jars[@]}"; do
  [ -f "$jar" ] || { stale=yes; break; }
done
if [ $stale = no ] && [ -n "$(find common coordinator worker bench pom.xml -path '*/target' -prune -o -type f \
      \( -path '*/src/main/*' -o -name pom.xml \) -newer bench/target/baton-bench.jar -print -quit)" ]; then
  stale=yes
fi
if [ $stale = no ]; then
  for jar in coordinator/target/baton-coordinator.jar worker/target/baton-worker.jar; do
    [ -n "$(find common "${jar%%/*}" -path '*/target' -prune -o -type f -path '*/src/main/*' -newer "$jar" -print -quit)" ] \
      && stale=yes
  done
fi
if [ $stale = yes ]; then
  echo "bench/run.sh: building (./mvnw -B -q -DskipTests package)" >&2
  ./mvnw -B -q -DskipTests package >&2
fi

if [ "$class" = chaos ]; then
  # the seeded fault-injection run (docs/reliability.md); its options: chaos/src/main/java/dev/baton/chaos/Options.java
  [ -f chaos/target/baton-chaos.jar ] && [ -z "$(find chaos -path '*/target' -prune -o -type f -path '*/src/main/*' \
      -newer chaos/target/baton-chaos.jar -print -quit)" ] || ./mvnw -B -q -DskipTests package >&2
  exec "$java" -cp chaos/target/baton-chaos.jar dev.baton.chaos.Chaos "$@"
fi
exec "$java" -cp bench/target/baton-bench.jar "dev.baton.bench.$class" "$@"
