#!/usr/bin/env bash
# Install the Debian packages that building and testing smtpfix need,
# only those that are missing. Touches no running service: these are
# compilers, libraries and command-line tools.
set -euo pipefail

packages=(
	gcc make pkg-config
	libssl-dev libncurses-dev libc-ares-dev zlib1g-dev libidn2-dev
	libcurl4-openssl-dev libxml2-dev libxml2-utils
	libunistring-dev ncurses-term cmake dpkg-dev lintian rpm file zsh
	check
	openssl
	jq
	tmux
	swaks libnet-ssleay-perl
	msmtp python3 unzip curl
	libsasl2-modules
	php-cli libphp-phpmailer
	time
	valgrind
	clang
	clang-format
	dnsmasq-base
	ca-certificates
)

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: this script installs Debian packages. On AlmaLinux/RHEL install:" >&2
	echo "  dnf install gcc make pkgconf-pkg-config openssl-devel ncurses-devel c-ares-devel zlib-devel libidn2-devel libcurl-devel libxml2-devel check-devel jq openssl dnsmasq" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

# Node.js and npm (the Nodemailer guide's test): Debian's packages only
# where no node or npm is there already (another build of Node.js may
# bring its own npm, which Debian's npm package would clash with).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all build and test packages are installed"
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
