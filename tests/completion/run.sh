#!/usr/bin/env bash
# Shell completion: bash's completion function for smtpfix driven for a
# few prefixes, as bash calls it on Tab (COMP_WORDS, COMP_CWORD), with the
# built smtpfix first on PATH; every option each command's --help names is
# offered; zsh's file is at least valid zsh when zsh is there.
#   run.sh PATH-TO-SMTPFIX
set -uo pipefail
bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
source "$top/tests/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-completion.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ln -s "$bin" "$tmp/smtpfix"
export PATH="$tmp:$PATH"
# shellcheck source=../../completion/smtpfix.bash
source "$top/completion/smtpfix.bash"

# complete WORDS...: COMPREPLY for the command line WORDS, the last word
# being the one under the cursor; the candidates, one a line, in $tmp/c.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_smtpfix smtpfix "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	: >"$tmp/c"
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" >"$tmp/c"
}
offers() { grep -qx -- "$1" "$tmp/c"; }
only() { [ "$(wc -l <"$tmp/c")" -eq "$1" ]; }

complete_line smtpfix pr
check "smtpfix pr<Tab>: probe" sh -c "grep -qx probe '$tmp/c' && [ \$(wc -l <'$tmp/c') -eq 1 ]"
complete_line smtpfix au
check "smtpfix au<Tab>: autoconfig" offers autoconfig
complete_line smtpfix ""
check "smtpfix <Tab>: every command" sh -c "[ \$(wc -l <'$tmp/c') -eq 11 ]"
complete_line smtpfix probe mail.example.com --no-r
check "probe --no-r<Tab>: --no-rcpt-test" offers --no-rcpt-test
complete_line smtpfix probe mail.example.com --client th
check "--client th<Tab>: thunderbird" offers thunderbird
complete_line smtpfix guide --client outlook-
check "--client outlook-<Tab>: three Outlooks" only 3
complete_line smtpfix lab --scenario cert-
check "lab --scenario cert-<Tab>: both certificate scenarios" sh -c "grep -qx cert-expired '$tmp/c' && grep -qx cert-name-mismatch '$tmp/c'"
complete_line smtpfix --demo --scenario sl
check "--demo --scenario sl<Tab>: slow-and-endless" offers slow-and-endless
complete_line smtpfix setup-file --format mo
check "setup-file --format mo<Tab>: mobileconfig" offers mobileconfig
complete_line smtpfix guide --security s
check "guide --security s<Tab>: starttls" offers starttls
complete_line smtpfix --ro
check "smtpfix --ro<Tab>: --role and --root" sh -c "grep -qx -- --role '$tmp/c' && grep -qx -- --root '$tmp/c'"
complete_line smtpfix probe host --port ""
check "probe --port <Tab>: nothing offered" only 0

# Every option of every command, as its --help names it.
missing=""
for cmd in $_smtpfix_commands; do
	for opt in $("$bin" "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		complete_line smtpfix "$cmd" "$opt"
		offers "$opt" || missing="$missing $cmd:$opt"
	done
done
check "every command's options offered${missing:+ (missing:$missing)}" [ -z "$missing" ]

if command -v zsh >/dev/null; then
	check "zsh: the completion file parses" zsh -n "$top/completion/_smtpfix"
else
	check "zsh is there to check the zsh completion (make deps installs it)" false
fi
finish "completion"
