# Start the practice server for a test. Sourced by the test scripts.
#   lab_start BIN OUT [SCENARIO] -> LAB_PID, LAB25, LAB465, LAB587, LABCA
#                                   (OUT receives what smtpfix lab prints,
#                                   its "message taken" lines included)
lab_start() {
	local bin=$1 out=$2
	"$bin" lab ${3:+--scenario "$3"} >"$out" 2>&1 &
	LAB_PID=$!
	for _ in $(seq 50); do grep -q "Ctrl-C" "$out" && break; sleep 0.1; done
	LAB25=$(sed -n 's/.*port 25  -> 127.0.0.1:\([0-9]*\)/\1/p' "$out")
	LAB465=$(sed -n 's/.*port 465 -> 127.0.0.1:\([0-9]*\)/\1/p' "$out")
	LAB587=$(sed -n 's/.*port 587 -> 127.0.0.1:\([0-9]*\)/\1/p' "$out")
	LABCA=$(sed -n 's/.*CA file: //p' "$out")
	[ -n "$LAB587" ] && [ -f "$LABCA" ] || { echo "the practice server did not start: $(cat "$out")" >&2; return 1; }
}
