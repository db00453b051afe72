# bash completion for smtpfix. The commands, options, mail program ids
# and practice-server scenarios come from smtpfix itself (its --help,
# guide --list and lab --help), so they never fall behind the program.

_smtpfix_commands="probe discover policy explain guide lab code watch bans autoconfig setup-file"

# The options a --help text names: every --word in it, once.
_smtpfix_options() {
	"$1" "${@:2}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_smtpfix_scenarios() {
	"$1" lab --help 2>/dev/null | awk '/^Scenarios:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'
}

_smtpfix() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} cmd="" i values=""

	for ((i = 1; i < COMP_CWORD; i++)); do
		case " $_smtpfix_commands " in
		*" ${COMP_WORDS[i]} "*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--client) values=$("$prog" guide --list 2>/dev/null) ;;
	--scenario) values=$(_smtpfix_scenarios "$prog") ;;
	--format) values="mobileconfig autoconfig autodiscover msmtp text" ;;
	--security) values="starttls tls none" ;;
	--auth) values="on off" ;;
	--role) values="user admin tech" ;;
	--mode) values="auto plain starttls tls" ;;
	--now) values="25:none 587:none 587:starttls 465:tls 2525:starttls" ;;
	--ca-file | --output | --log | --journal-file | --sign | --sign-cert | --sign-key)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--root | --report-dir)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	--port | --port-map | --timeout | --host | --imap-host | --email | --user | --ip | --since | \
		--for | --dns-server | --resolve | --listen | --name | --ehlo | --from | --rcpt | \
		--watch-for | --exim | --postconf)
		return 0 # a value of the person's own
		;;
	esac
	if [ -n "$values" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
		return 0
	fi
	if [[ $cur == -* ]]; then
		if [ -n "$cmd" ]; then
			values=$(_smtpfix_options "$prog" "$cmd")
		else
			values=$(_smtpfix_options "$prog")
		fi
		mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
		return 0
	fi
	if [ -z "$cmd" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$_smtpfix_commands" -- "$cur")
	fi
	return 0
}
complete -F _smtpfix smtpfix
