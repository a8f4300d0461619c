#!/usr/bin/env bash
# Many seeded chaos runs, for docs/reliability.md: chaos/soak.sh --seeds 1-20 --minutes 10 [--parallel 2] [--out DIR] [-- chaos options…]
# Runs from a frozen copy of the built jars (a rebuild meanwhile cannot change a run under way), each run
# in DIR/seed-N with its report in DIR/seed-N.txt, then prints one line per seed and the totals.
# Re-check a finished run with this build's checker: java -cp chaos/target/baton-chaos.jar dev.baton.chaos.Chaos --recheck DIR/seed-N
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=1-20 minutes=10 parallel=1 out="target/soak-$(date +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: chaos/soak.sh --seeds A-B --minutes M [--parallel P] [--out DIR] [-- chaos options]" >&2; exit 2 ;;
  esac
done
if [ -z "${JAVA_HOME:-}" ]; then
  for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
    [ -x "$jdk/bin/java" ] && { export JAVA_HOME="$jdk"; break; }
  done
fi
[ -f chaos/target/baton-chaos.jar ] || ./mvnw -B -q -DskipTests package
mkdir -p "$out/build/coordinator/target" "$out/build/worker/target" "$out/build/chaos/target"
cp coordinator/target/baton-coordinator.jar "$out/build/coordinator/target/"
cp worker/target/baton-worker.jar "$out/build/worker/target/"
cp chaos/target/baton-chaos.jar "$out/build/chaos/target/"
git rev-parse HEAD > "$out/commit" 2>/dev/null || true
out=$(cd "$out" && pwd)

run() {
  local seed=$1
  "$JAVA_HOME/bin/java" -cp "$out/build/chaos/target/baton-chaos.jar" dev.baton.chaos.Chaos --seed "$seed" \
    --minutes "$minutes" --root "$out/build" --dir "$out/seed-$seed" "${@:2}" > "$out/seed-$seed.txt" 2>&1 || true
}
first=${seeds%-*} last=${seeds#*-}
for seed in $(seq "$first" "$last"); do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do sleep 5; done
  echo "$(date +%T) seed $seed" >&2
  run "$seed" "$@" &
done
wait
echo "soak: seeds $seeds, $minutes min each, $parallel at a time, commit $(cat "$out/commit" 2>/dev/null), in $out"
for seed in $(seq "$first" "$last"); do
  f="$out/seed-$seed.txt"
  printf 'seed %-4s %-22s faults %-4s %s\n' "$seed" "$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$f" | tail -1 || echo 'no result')" \
    "$(grep -E '^faults injected:' "$f" | awk '{print $3}')" "$(grep -E '^throughput under faults:' "$f" | cut -c26-80)"
done
