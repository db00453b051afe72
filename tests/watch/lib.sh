# Shared by the watch tests (bash): a watch running in the background,
# writing JSON Lines to $out, and a check that the next attempt matching a
# selection appears within 1 s and reads as expected.
#   watch_start OUT ERR ARGS...   sets watch_pid; waits for "Watching"
#   expect NAME SELECT FILTER     SELECT and FILTER are jq expressions
# The caller defines ok and fail.

now_ms() { echo $(($(date +%s%N) / 1000000)); }

watch_start() {
	local o=$1 e=$2
	shift 2
	"$@" >"$o" 2>"$e" &
	watch_pid=$!
	for _ in $(seq 1 50); do grep -q Watching "$e" 2>/dev/null && return 0; sleep 0.1; done
	fail "watch did not start: $(cat "$e")"
	return 1
}

declare -A seen_by
# count SELECT: how many attempts of that selection the watch wrote.
count() { jq -s "map(select($1)) | length" "$out"; }

expect() {
	local name=$1 select=$2 filter=$3 t0 line seen=${seen_by[$2]:-0}
	t0=$(now_ms)
	while [ "$(count "$select")" -le "$seen" ] && [ $(($(now_ms) - t0)) -lt 3000 ]; do
		sleep 0.02
	done
	if [ "$(count "$select")" -le "$seen" ]; then
		fail "$name: no attempt reached the watch within 3 s"
		return
	fi
	if [ $(($(now_ms) - t0)) -gt 1000 ]; then
		fail "$name: the attempt took $(($(now_ms) - t0)) ms to appear (at most 1000)"
	fi
	line=$(jq -c -s "map(select($select)) | .[$seen]" "$out")
	if echo "$line" | jq -e "$filter" >/dev/null; then
		ok
	else
		fail "$name: $filter does not hold for $line"
	fi
	# A client that leaves more than one attempt is drained.
	sleep 0.3
	seen_by[$select]=$(count "$select")
}
