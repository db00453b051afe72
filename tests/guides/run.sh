#!/usr/bin/env bash
# The guides followed word for word: each guide's complete example,
# rendered by smtpfix with the values it would give, is run as it is by the
# real program against the practice server and the test Exim, on STARTTLS
# (587) and SSL/TLS (465), trusting the test CA the way the guide says. The
# message must arrive (the practice server's record, Exim's main log). Set
# the founding case's wrong way (587, no encryption; login on and off), the
# same example must fail, and smtpfix explain must name the founding cause
# from what the program printed.
set -uo pipefail

bin=$(cd "$(dirname "${1:?usage: run.sh PATH-TO-SMTPFIX}")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"
# shellcheck source=../lab/server.sh
source "$here/../lab/server.sh"
# shellcheck source=../lib.sh
source "$here/../lib.sh"
node_modules=$here/../../build/node/node_modules
[ -d "$node_modules/nodemailer" ] || { echo "guides: Nodemailer is missing from build/node (make deps installs it)" >&2; exit 1; }
for tool in python3 msmtp php node; do
	command -v "$tool" >/dev/null || { echo "guides: $tool is missing (make deps installs it)" >&2; exit 1; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-guides.XXXXXX")
chmod 755 "$dir" # the test Exim runs as nobody below it
lab_pid=
trap '[ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null; exim_stop "$dir/exim"; rm -rf "$dir"' EXIT

lab_start "$bin" "$dir/lab.out" || exit 1
lab_pid=$LAB_PID
mkdir -p "$dir/exim"
exim_start "$dir/exim" || { echo "guides: the test Exim did not start" >&2; exit 1; }

# example CLIENT PORT SECURITY USER CA [AUTH]: the guide's example, as rendered.
example() {
	"$bin" guide --client "$1" --host 127.0.0.1 --port "$2" --security "$3" --user "$4" \
		--ca-file "$5" --auth "${6:-on}" | sed -n '/^The whole of it, ready to copy:$/,$p' |
		tail -n +3 | sed 's/^    //'
}

# run CLIENT FILE PASSWORD: runs the example the way its guide's test step says.
run() {
	case $1 in
	python-smtplib) SMTP_PASSWORD=$3 timeout 30 python3 "$2" ;;
	phpmailer) SMTP_PASSWORD=$3 timeout 30 php "$2" ;;
	nodemailer) SMTP_PASSWORD=$3 NODE_PATH=$node_modules timeout 30 node "$2" ;;
	msmtp)
		chmod 600 "$2"
		printf 'To: someone@example.com\nSubject: guide test\n\nSent as the guide says.\n' |
			SMTP_PASSWORD=$3 timeout 30 msmtp -C "$2" -t
		;;
	esac
}

# arrived SERVER BEFORE: a message is on the server's record since BEFORE lines.
arrived() {
	if [ "$1" = lab ]; then
		tail -n +"$(($2 + 1))" "$dir/lab.out" | grep -q '^message taken: .*, TLS, login demo@lab.smtpfix.test'
	else
		tail -n +"$(($2 + 1))" "$dir/exim/log/mainlog" | grep -q '<= .* A=\(plain\|login\):tester@smtpfix-test.example'
	fi
}
record_len() {
	if [ "$1" = lab ]; then grep -c . "$dir/lab.out"; else grep -c . "$dir/exim/log/mainlog" 2>/dev/null || echo 0; fi
}

# founding_failure STATUS OUTPUT LABEL: a program set the founding case's
# wrong way failed, and what it printed is explained as the founding cause.
founding_failure() {
	check "$3: fails" [ "$1" -ne 0 ]
	"$bin" explain --json <"$2" >"$2.explain" 2>/dev/null
	check "$3: explain names the founding cause" \
		jq -e '[.causes[].cause] | index("auth-requires-tls") != null' "$2.explain" >/dev/null
}

for client in python-smtplib msmtp phpmailer nodemailer; do
	for server in lab exim; do
		if [ "$server" = lab ]; then
			user=demo@lab.smtpfix.test pass=practice-2026 ca=$LABCA p587=$LAB587 p465=$LAB465
		else
			user=tester@smtpfix-test.example pass=test-password ca=$EXIM_CA p587=$EXIM_PORT_CPANEL p465=$EXIM_PORT_SMTPS
		fi
		for mode in starttls:$p587 tls:$p465; do
			sec=${mode%%:*} port=${mode#*:} f="$dir/$client-$server-$sec"
			example "$client" "$port" "$sec" "$user" "$ca" >"$f"
			check "$client, $server, $sec: the guide has a complete example" [ -s "$f" ]
			before=$(record_len "$server")
			run "$client" "$f" "$pass" >"$f.out" 2>&1
			check "$client, $server, $sec: the example runs as it is" [ $? -eq 0 ]
			sleep 0.3
			check "$client, $server, $sec: the message arrived" arrived "$server" "$before"
		done
		# The founding case: 587 without encryption, with and without login.
		for auth in on off; do
			f="$dir/$client-$server-none-$auth"
			example "$client" "$p587" none "$user" "$ca" "$auth" >"$f"
			run "$client" "$f" "$pass" >"$f.out" 2>&1
			founding_failure $? "$f.out" "$client, $server, 587 none, login $auth"
		done
	done
done

# swaks, set the founding case's wrong way: it fails, and what it printed
# is explained as the founding cause.
for server in lab exim; do
	if [ "$server" = lab ]; then
		user=demo@lab.smtpfix.test pass=practice-2026 p587=$LAB587
	else
		user=tester@smtpfix-test.example pass=test-password p587=$EXIM_PORT_CPANEL
	fi
	for auth in on off; do
		f="$dir/swaks-$server-none-$auth"
		if [ "$auth" = on ]; then
			timeout 20 swaks --server "127.0.0.1:$p587" --auth LOGIN --auth-user "$user" \
				--auth-password "$pass" --from "$user" --to someone@example.com --timeout 5 >"$f.out" 2>&1
		else
			timeout 20 swaks --server "127.0.0.1:$p587" --from "$user" --to someone@example.com \
				--timeout 5 >"$f.out" 2>&1
		fi
		founding_failure $? "$f.out" "swaks, $server, 587 none, login $auth"
	done
done

# Thunderbird's guide quotes its labels as Thunderbird 153 shows them.
strings=$here/../../build/thunderbird/strings
if [ -s "$strings/version" ]; then
	for sec in starttls tls none; do
		"$bin" guide --client thunderbird --host mail.example.com --port 587 --security "$sec" \
			--user ann@example.com --ca-file server-ca.pem >"$dir/tb-$sec"
		python3 "$here/labels.py" "$dir/tb-$sec" "$strings" >"$dir/tb-$sec.labels"
		check "thunderbird ($sec): every quoted label is one of Thunderbird's" \
			sh -c "grep -q '^ok ' '$dir/tb-$sec.labels' && ! grep '^FAIL' '$dir/tb-$sec.labels' >&2"
	done
	# The check can fail: a label Thunderbird 153 no longer shows.
	printf 'Set "Outgoing Server (SMTP):" to it.\n' >"$dir/tb-old"
	check "thunderbird: an old label is caught" sh -c "python3 '$here/labels.py' '$dir/tb-old' '$strings' | grep -q '^FAIL Outgoing Server (SMTP):'"
else
	check "thunderbird: its interface strings are in build/thunderbird (make deps)" false
fi

finish guides
