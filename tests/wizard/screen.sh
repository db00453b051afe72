#!/usr/bin/env bash
# The full-screen wizard, end to end in tmux at 80x24: keys in, screens out.
# Each case starts smtpfix --demo in its own tmux server, sends keys the way
# a person types them and reads the screen back with capture-pane.
set -uo pipefail

bin=$(cd "$(dirname "${1:?usage: screen.sh PATH-TO-SMTPFIX}")" && pwd)/$(basename "$1")
command -v tmux >/dev/null || { echo "screen: tmux is missing (make deps installs it)" >&2; exit 1; }
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-screen.XXXXXX")
sock="smtpfix-test-$$"
T() { tmux -L "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$dir"' EXIT
check_failed() { echo "  the screen was:" >&2; screen >&2; }
screen() { T capture-pane -p -t w 2>/dev/null; }
# Waits up to 10 s (or $limit tenths) for text on the screen.
wait_for() {
	local i
	for ((i = 0; i < ${limit:-100}; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# The same, on the screen's text with its line breaks made spaces.
wait_for_flat() {
	local i
	for ((i = 0; i < ${limit:-100}; i++)); do
		screen | tr -s ' \n' '  ' | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# PgDn until TEXT is on the screen (at most 8 pages).
page_until() {
	local n
	for ((n = 0; n < 8; n++)); do
		screen | grep -qF -- "$1" && return 0
		keys NPage
	done
}
keys() { T send-keys -t w "$@"; sleep 0.15; }
# start NAME TERM ARGS...: a fresh 80x24 terminal running the wizard; when it
# ends, the shell prints its exit status and waits.
start() {
	local name=$1 term=$2; shift 2
	T kill-server 2>/dev/null
	sleep 0.1
	mkdir -p "$dir/$name"
	printf '%q ' "$bin" --demo --report-dir "$dir/$name" "$@" >"$dir/cmd"
	T new-session -d -s w -x "${cols:-80}" -y "${lines:-24}" \
		"${pre:-}LC_ALL=${locale:-C.UTF-8} TERM=$term $(cat "$dir/cmd") 2>$dir/$name.err; echo \"EXIT=\$?\"; sleep 30"
	wait_for "smtpfix |"
}
widest() { screen | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'; }

# 1. The whole way through: defaults, Thunderbird, the demo login, the steps,
#    a re-test, and a saved report.
start full xterm
check "first screen at 80x24" wait_for "Who is running smtpfix?"
check "demo account shown" wait_for "demo@lab.smtpfix.test"
check "nothing wider than 80" [ "$(widest)" -le 80 ]
keys Enter
check "problem question" wait_for "What happens?"
keys Enter
check "client list" wait_for "17) a website or script"
keys 5
check "server question keeps the demo server" wait_for "Enter keeps: 127.0.0.1"
keys Enter
check "the setting now" wait_for "How is the mail program set now?"
keys 2
check "login question" wait_for "Also test the login?"
keys Down Enter
check "user name prefilled" wait_for "Enter keeps: demo@lab.smtpfix.test"
keys Enter
check "password question" wait_for "(hidden, 0 typed)"
keys -l practice-2026
check "password is not echoed" sh -c "! tmux -L '$sock' capture-pane -p -t w | grep -q practice"
check "password length only" wait_for "(hidden, 13 typed)"
keys Enter
wait_for "The answer"
check "the answer first" sh -c "tmux -L '$sock' capture-pane -p -t w | sed -n 3p | grep -qx 'The answer'"
check "what to change, at the top" sh -c "tmux -L '$sock' capture-pane -p -t w | sed -n 4p | grep -qx '  Change      Security: None -> STARTTLS'"
check "the setting to use" wait_for_flat "Use server 127.0.0.1, port 587, security STARTTLS, login on, user name: demo@lab.smtpfix.test"
check "the login test" wait_for "Login test  accepted the user name and password (PLAIN)."
check "the cause" wait_for_flat "Why The server offers login only after encryption starts."
check "long text scrolls" wait_for "PgUp/PgDn --"
keys NPage
check "page down moves" wait_for "-- lines 18-"
keys Enter
check "first step" wait_for "Step 1 of 8: Open the menu"
keys Enter
check "second step" wait_for "Step 2 of 8"
keys Escape
check "Esc steps back" wait_for "Step 1 of 8"
keys 2
check "re-test passes" wait_for "The server takes mail with the recommended setting"
check "re-test: the program is asked, not declared fixed" wait_for_flat "it cannot see your mail program's settings. Send a test message from your program now. Did it work?"
keys Enter
check "save question" wait_for "Save a report for the ticket?"
keys Enter
check "saved: shown before anything closes" wait_for "Saved: $dir/full/smtpfix-report-"
check "saved: the screen is still open" wait_for "smtpfix | The report"
keys Enter
check "saved and exited 0" wait_for "EXIT=0"
check "saved names shown" wait_for "Saved: $dir/full/smtpfix-report-"
screen >"$dir/after"
check "terminal restored (no wizard left on it)" absent -F 'smtpfix |' "$dir/after"
check "report files 0600" sh -c "[ \"\$(stat -c %a '$dir'/full/*.txt)\" = 600 ] && [ \"\$(stat -c %a '$dir'/full/*.json)\" = 600 ]"
check "no password in the report" absent -r practice-2026 "$dir/full"
check "the summary stays on the terminal" wait_for_flat "Use server 127.0.0.1, port 587, security STARTTLS, login on"
check "the re-test logged in again" grep -q "Login          ok (PLAIN)" "$dir"/full/*.txt
check "Thunderbird's steps: 587, STARTTLS, Normal password" sh -c "f=\$(cat '$dir'/full/*.txt | tr -s ' \n' '  '); echo \"\$f\" | grep -q '\"Port:\" to 587' && echo \"\$f\" | grep -q 'set \"Connection security:\" to STARTTLS' && echo \"\$f\" | grep -q 'to \"Normal password\"'"
check "report holds the setting now" grep -q "^Set now: port 587, security None" "$dir"/full/*.txt
check "report holds the cause and the steps" sh -c "grep -q '\[auth-requires-tls\]' '$dir'/full/*.txt && grep -q 'Step 8 of 8' '$dir'/full/*.txt"

# 2. Help, back, and quitting from the middle. The full screen may come to
#    hold a password, so from its start it can leave no core file.
# (the shell first allows core files, so the check sees smtpfix's own limit)
pre='ulimit -S -c unlimited; ' start keys xterm
pid=$(pgrep -n -f -- "$bin --demo --report-dir $dir/keys")
check "the full screen allows no core file" sh -c "grep -q '^Max core file size *0 ' /proc/$pid/limits"
keys '?'
check "help for the question" wait_for "This only changes how much smtpfix explains"
keys x
check "any key leaves help" wait_for "Who is running smtpfix?"
keys 3
check "a number picks at once" wait_for "What happens?"
keys b
check "b goes back" wait_for "Who is running smtpfix?"
check "the last answer is remembered" sh -c "tmux -L '$sock' capture-pane -p -t w | grep -q '> 3) I help someone else'"
keys q
check "q quits with status 1 (nothing tested)" wait_for "EXIT=1"

# 3. Resizing: larger, then smaller than the minimum, then back.
start resize xterm
T resize-window -t w -x 120 -y 40
sleep 0.3
check "redrawn at 120x40" sh -c "[ \"\$(tmux -L '$sock' capture-pane -p -t w | sed -n 40p)\" != '' ]"
T resize-window -t w -x 30 -y 10
check "too small says so" wait_for "40x12 (80x24 is best)"
T resize-window -t w -x 80 -y 24
check "back at 80x24" wait_for "Who is running smtpfix?"
check "still nothing wider than 80" [ "$(widest)" -le 80 ]
keys C-c
check "Ctrl-C quits cleanly, 130 as an interrupt" wait_for "EXIT=130"

# 4. Esc cancels a probe of a server that never answers.
start cancel vt100 --scenario silent --client thunderbird --role user --timeout 30
keys Enter
check "server question" wait_for "Enter keeps: 127.0.0.1"
keys -l "hé"
check "typed text shown" wait_for "> hé"
keys BSpace
check "backspace removes a whole UTF-8 character" sh -c "tmux -L '$sock' capture-pane -p -t w | grep -qx ' > h'"
keys BSpace
keys Enter Enter Enter
check "probe running" wait_for "Testing 127.0.0.1 on every port at once"
check "an address is not looked up" sh -c "! tmux -L '$sock' capture-pane -p -t w | grep -q 'looking up the name'"
sleep 0.5
keys Escape
limit=20 check "Esc cancels within 2 s of a 30 s deadline" wait_for "The test was cancelled; nothing was concluded."
check "the question before" wait_for "Also test the login?"
keys C-c
check "Ctrl-C quits after a cancel, 130" wait_for "EXIT=130"

# 5. Outlook (classic), answers given up front, through to its fix screens.
start outlook xterm --client outlook-classic --role user --now 465:starttls
keys Enter Enter Enter
check "outlook: the cause" wait_for_flat "Why Port 465 expects encryption from the first byte (SSL/TLS), but the program is set to STARTTLS"
check "outlook: one change, the port kept" wait_for "Change      Security: STARTTLS -> SSL/TLS"
keys Enter
check "outlook: first step" wait_for "Step 1 of"
for ((n = 0; n < 12; n++)); do
	screen | tr -s ' \n' '  ' | grep -qF "My outgoing server (SMTP) requires authentication\" ticked" && break
	keys Enter
done
check "outlook: the authentication box ticked, on a step screen" wait_for_flat "My outgoing server (SMTP) requires authentication\" ticked"
for ((n = 0; n < 12; n++)); do
	screen | tr -s ' \n' '  ' | grep -qF "encrypted connection:\" to SSL/TLS" && break
	keys Enter
done
check "outlook: SSL/TLS on a step screen" wait_for_flat "encrypted connection:\" to SSL/TLS"
keys q
check "outlook: quits" wait_for "EXIT="

# 6. Outside a UTF-8 locale a guide's non-ASCII sign is one '?', not bytes.
locale=C start ascii xterm --client thunderbird --role user --now 587:none
keys Enter Enter Enter
check "ascii: result" wait_for "The answer"
keys Enter
check "ascii: the menu sign as an ASCII stand-in" wait_for "Open the menu (=) and choose"
keys q

# 7. A server sending terminal escapes: the title, colours and screen stay ours.
start hostile xterm --scenario hostile-text --client thunderbird --role user --now 587:none
keys Enter Enter Enter
check "hostile: result shown" wait_for "The answer"
page_until 'pwned-title'
check "hostile: the escapes shown as text" wait_for_flat '\x1b]0;pwned-title\x07\x1b[2J'
check "hostile: the title unchanged" sh -c "! tmux -L '$sock' display-message -p -t w '#{pane_title}' | grep -q pwned"
check "hostile: no red from the server" sh -c "! tmux -L '$sock' capture-pane -p -e -t w | grep -q \"\$(printf '\\033')\\[31m\""
keys q

# 7b. A broken server (garbage with a screen-clear escape, a reset, plain
#     text for TLS): each named on the screen, the screen itself intact.
start broken xterm --scenario broken-replies --client thunderbird --role user --now 587:none
keys Enter Enter Enter
check "broken: result" wait_for "Use         no setting works with this server as it is now"
page_until 'error: the server sent a NUL byte'
check "broken: the garbage named on screen" wait_for "25             error: the server sent a NUL byte"
check "broken: title bar and keys still drawn" sh -c "tmux -L '$sock' capture-pane -p -t w | head -1 | grep -q 'smtpfix | What is wrong' && tmux -L '$sock' capture-pane -p -t w | tail -1 | grep -q 'Enter: OK'"
keys q

# 7c. A slow and endless server: the screen stays live and names each.
start slow xterm --scenario slow-and-endless --timeout 2 --client thunderbird --role user --now 587:none
keys Enter Enter Enter
check "slow: the probe screen is live" wait_for "Testing 127.0.0.1 on every port at once"
limit=60 check "slow: result within the deadline" wait_for "Use         no setting works with this server as it is now"
page_until 'more than 256 lines'
check "slow: the endless reply named on screen" wait_for_flat "the server sent a reply of more than 256 lines"
keys q

# 7d. STARTTLS tricks: the screen shows the result with both bars intact.
start tricks xterm --scenario starttls-tricks --timeout 2 --client thunderbird --role user --now 587:none
keys Enter Enter Enter
limit=60 check "tricks: result" wait_for "Use         no setting works with this server as it is now"
page_until '465            error: the server sent a line that is not an SMTP reply'
check "tricks: code 999 named on screen" wait_for "465            error: the server sent a line that is not an SMTP reply"
check "tricks: title bar and keys still drawn" sh -c "tmux -L '$sock' capture-pane -p -t w | head -1 | grep -q 'smtpfix | What is wrong' && tmux -L '$sock' capture-pane -p -t w | tail -1 | grep -q 'Enter: OK'"
keys q

# 8. Colour, NO_COLOR, monochrome, a kill, and a terminal curses does not know.
start colour xterm
check "colour where the terminal has it" sh -c "styled() { tmux -L '$sock' capture-pane -p -e -t w | head -1 | cat -v; }; styled | grep -q '\[44m'"
keys q
start nocolour xterm
T kill-server 2>/dev/null; sleep 0.1
T new-session -d -s w -x 80 -y 24 \
	"NO_COLOR=1 TERM=xterm $(printf '%q ' "$bin") --demo --report-dir $dir 2>/dev/null; echo \"EXIT=\$?\"; sleep 30"
wait_for "smtpfix |"
check "NO_COLOR: reverse video, no colour" sh -c "v=\$(tmux -L '$sock' capture-pane -p -e -t w | head -1 | cat -v); echo \"\$v\" | grep -q '\[7m' && ! echo \"\$v\" | grep -q '\[4[0-7]m'"
keys q
start mono vt100
check "vt100: > marks the choice" wait_for "> 1) My mail does not send"
keys q
start killed xterm
pkill -TERM -x -P "$(T display-message -p -t w '#{pane_pid}')" smtpfix
check "killed: exit status of SIGTERM" wait_for "EXIT=143"
check "killed: the full screen is gone" sh -c "! tmux -L '$sock' capture-pane -p -t w | grep -q 'smtpfix |'"
T kill-server 2>/dev/null
sleep 0.1
T new-session -d -s w -x 80 -y 24 \
	"TERM=no-such-terminal $(printf '%q ' "$bin") --demo --report-dir $dir 2>&1; echo \"EXIT=\$?\"; sleep 30"
check "unknown terminal falls back to line by line" wait_for "cannot show the full screen"
keys q Enter
check "plain front end quits" wait_for "EXIT="

# 9. Keys in lists and text fields: numbers past 9, Home/End, a letter;
#    the cursor moves and edits inside what was typed.
start lists screen --client thunderbird --role user
keys Enter
check "lists: the server question" wait_for "Enter keeps: 127.0.0.1"
keys -l "mail.example"
keys Home
keys x
check "field: Home then a key inserts at the start" wait_for "> xmail.example"
keys End
keys y
check "field: End then a key appends" wait_for "> xmail.exampley"
keys Left Left BSpace
check "field: backspace at the cursor" wait_for "> xmail.exampey"
keys DC
check "field: Delete at the cursor" wait_for "> xmail.exampy"
keys Left
keys z
check "field: typing in the middle" wait_for "> xmail.examzpy"
keys C-u Enter
check "lists: ten settings" wait_for "10) Port 2525, security None"
keys 1
check "lists: 1 waits for a second digit" wait_for "> 1) I don't know (skip)"
keys 0
check "lists: 1 then 0 picks the tenth" wait_for "Also test the login?"
check "lists: no digit leaked into the next question" wait_for "> 1) No, just look at the server"
keys Escape
check "lists: the tenth remembered" wait_for "> 10) Port 2525, security None"
keys Home
check "lists: Home" wait_for "> 1) I don't know (skip)"
keys End
check "lists: End" wait_for "> 10) Port 2525, security None"
keys p
check "lists: a letter jumps to the next choice with it, round the end" wait_for "> 2) Port 587, security None"
keys p
check "lists: the same letter again, the next one" wait_for "> 3) Port 587, security STARTTLS"
keys 1 Enter
check "lists: 1 then Enter picks the first" wait_for "Also test the login?"
keys Enter
check "lists: the result" wait_for "The answer"
keys '?'
check "help on the result: the words explained" wait_for "Reading the answer"
page_until "Which Outlook?"
check "help on the result: which Outlook" wait_for "Which Outlook?"
page_until "Ctrl-U clears it"
check "help on the result: this front end's keys" wait_for "Left/Right/Home/End move"
keys x
check "help on the result: any key goes back" wait_for "smtpfix | What is wrong"
for ((n = 0; n < 15; n++)); do keys NPage; done
screen >"$dir/lastpage"
check "PgDn stops on the last page" sh -c "grep -Eq -- '-- lines [0-9]+-([0-9]+) of \\1,' '$dir/lastpage'"
check "PgDn: the last page is not blank" sh -c "[ \$(sed -n '3,18p' '$dir/lastpage' | grep -c .) -ge 10 ]"
keys q

# 10. At 60x20: everything fits the width, the key bar too; keys pressed
#     while the window is too small do nothing.
cols=60 lines=20 start narrow xterm --client thunderbird --role user --now 587:none
check "60x20: first question" wait_for "What happens?"
check "60x20: nothing wider than 60" [ "$(widest)" -le 60 ]
check "60x20: the key bar fits" sh -c "tmux -L '$sock' capture-pane -p -t w | tail -1 | grep -q 'Up/Down: pick  Enter: OK  b: back  ?: help  q: quit'"
keys Enter Enter Enter
check "60x20: the answer" wait_for "The answer"
check "60x20: the answer fits" [ "$(widest)" -le 60 ]
check "60x20: a row wraps under its value, no orphaned fragment" sh -c "tmux -L '$sock' capture-pane -p -t w | grep -A1 '^  Now         port 587, None: login is not offered on this\$' | grep -q '^              connection: the program says'"
keys Enter
check "60x20: a step wraps under itself" sh -c "tmux -L '$sock' capture-pane -p -t w | grep -A1 '^Step 1 of 8: Open the menu' | grep -q '^             Settings. With the menu bar'"
keys Escape
T resize-window -t w -x 30 -y 10
check "60x20: too small says so" wait_for "40x12 (80x24 is best)"
keys 2
T resize-window -t w -x 60 -y 20
check "60x20: a key pressed while too small did nothing" wait_for "smtpfix | What is wrong"
keys C-c
check "60x20: Ctrl-C, 130" wait_for "EXIT=130"
cols=80 lines=24

# 11. explain at a terminal with nothing given says what it waits for.
T kill-server 2>/dev/null
sleep 0.1
T new-session -d -s w -x 80 -y 24 "$(printf '%q ' "$bin") explain; echo \"EXIT=\$?\"; sleep 30"
check "explain at a terminal: asks for the message" wait_for "Paste the message, then press Ctrl-D"
keys -l "535 5.7.8 Error: authentication failed"
keys Enter C-d
check "explain at a terminal: explains it" wait_for "[wrong-credentials]"

check "no sanitizer reports" absent 'AddressSanitizer\|runtime error\|LeakSanitizer' "$dir"/*.err

finish screen
