#!/usr/bin/env bash
# Smoke run of every bench in bench/, for CI: each one at the smallest size that
# still goes through its real code path (the client, the server, the database,
# the worker processes), so a bench that no longer runs is noticed the day it
# breaks. The figures of a smoke run mean nothing; only the exit status counts.
#
#   bench/smoke.sh              # every bench, one after the other
#   bench/smoke.sh publish forecast   # only these
#
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth for postgres) for
# review_queue.py, which seeds its own database, atelier_bench_smoke
# (BENCH_SMOKE_DATABASE_URL for another; the name must contain "bench").
# Each bench's output goes to bench/out/smoke/<name>.log; a failing bench's
# tail is printed. A bench killed after BENCH_SMOKE_TIMEOUT seconds (120)
# counts as failed. Exits 1 if any bench failed, or if a script in bench/ has
# no smoke line here.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
OUT=bench/out/smoke
LIMIT=${BENCH_SMOKE_TIMEOUT:-120}
DATABASE=${BENCH_SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/atelier_bench_smoke}
export DEBUG=1

# name -> arguments. Small, but each still crosses the paths the full run measures.
declare -A ARGS=(
  [copywriting]="--products 50 --repeats 1"
  [cutout]="--size 256 --timing-size 256 --repeats 1 --cases coffee,chain"
  [forecast]="--sets retail,sim-croston,txhousing --skus 30 --sample 2 --jobs 2"
  # A bucket smaller than the run's cost, so the client has to pace itself.
  [publish]="--products 20 --bucket 100 --speed 10"
  # A high rate limit: the real client, the fake Etsy's document checks and the database, in seconds.
  [publish_etsy]="--products 10 --per-second 200 --baseline-products 3"
  # --reseed: the seeding is code that rots too (it writes rows with COPY).
  [review_queue]="--products 200 --pending 20 --clients 4 --workers 2 --seconds 2 --rounds 1 --reseed --database-url $DATABASE"
  [sales_import]="--rows 500 --memory-rows 1000"
  [staging]="--size 512 --repeats 1 --batch 2 --workers 2"
  [staging_stagers]="--size 512 --repeats 1 --batch 2 --workers 2 --diffusion-runs 1"
  # A temporary SQLite database, a real qcluster and a loopback receiver.
  [webhooks]="--events 20 --workers 2 --timeout 60"
  # A temporary SQLite database and real clusters killed mid-task; the baseline is read from the locks it leaves.
  [worker_recovery]="--tasks 6 --seconds 1 --lease 5"
  [staging_check]="--cases labelled_jar,white_mug --no-backends"
  # Two catalogue sizes on a temporary SQLite file: the seeding, every page and the ratio table.
  [pages]="--sizes 5,50 --repeats 1"
)

# Every script with a __main__ is a bench and needs a line above.
missing=()
for script in bench/*.py; do
  name=$(basename "$script" .py)
  grep -q '__name__ == "__main__"' "$script" && [ -z "${ARGS[$name]+set}" ] && missing+=("$name")
done

if [ $# -gt 0 ]; then names=("$@"); else mapfile -t names < <(printf '%s\n' "${!ARGS[@]}" | sort); fi

mkdir -p "$OUT"
failed=()
total_start=$EPOCHREALTIME
printf '%-16s %8s  %s\n' bench seconds result
for name in "${names[@]}"; do
  if [ -z "${ARGS[$name]+set}" ]; then
    printf '%-16s %8s  %s\n' "$name" - "FAILED: no such bench"
    failed+=("$name")
    continue
  fi
  start=$EPOCHREALTIME
  # shellcheck disable=SC2086  # the arguments are words on purpose
  timeout --kill-after=15 "$LIMIT" "$PY" "bench/$name.py" ${ARGS[$name]} >"$OUT/$name.log" 2>&1
  status=$?
  seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  if [ $status -eq 0 ]; then
    printf '%-16s %8s  %s\n' "$name" "$seconds" ok
  else
    reason="exit $status"
    [ $status -eq 124 ] || [ $status -eq 137 ] && reason="killed after ${LIMIT} s"
    printf '%-16s %8s  %s\n' "$name" "$seconds" "FAILED ($reason); last lines of $OUT/$name.log:"
    tail -n 40 "$OUT/$name.log" | sed 's/^/    /'
    failed+=("$name")
  fi
done
printf '%-16s %8s\n' total "$(awk -v a="$total_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"

if [ ${#missing[@]} -gt 0 ]; then
  echo "No smoke run for: ${missing[*]} (add a line to bench/smoke.sh)"
  failed+=("${missing[@]}")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "Benches failing their smoke run: ${failed[*]}"
  exit 1
fi
echo "Every bench ran."
