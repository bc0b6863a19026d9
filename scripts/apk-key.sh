#!/usr/bin/env bash
# Makes the key pair that signs the apk repositories of scripts/mkapk.sh,
# once: an ECDSA P-256 key, the kind OpenWrt's own build makes for apk.
#
#   scripts/apk-key.sh [KEY.pem]    (default: $WGOWRT_APK_KEY, else
#                                    ~/.config/wgowrt/apk-key.pem)
#
# Writes KEY.pem (private, 0600; keep it, never publish it) and KEY.pub.pem
# (public): copy the public one to the router's /etc/apk/keys/, e.g. as
# /etc/apk/keys/wgowrt.pem. Refuses to overwrite an existing key.
set -euo pipefail

key=${1:-${WGOWRT_APK_KEY:-$HOME/.config/wgowrt/apk-key.pem}}
pub=${key%.pem}.pub.pem
if [[ -e $key ]]; then
	echo "$key exists already; its public key is $pub (remove it first to make a new pair)" >&2
	exit 1
fi
command -v openssl >/dev/null || { echo "openssl is missing: apt-get install openssl" >&2 && exit 1; }
mkdir -p "$(dirname "$key")"
tmp=$(mktemp "$key.XXXXXX")
trap 'rm -f "$tmp" "$tmp.pub"' EXIT
chmod 0600 "$tmp"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp" 2>/dev/null
openssl ec -in "$tmp" -pubout -out "$tmp.pub" 2>/dev/null
chmod 0644 "$tmp.pub"
mv "$tmp.pub" "$pub"
mv "$tmp" "$key"
echo "private key: $key (0600)"
echo "public key:  $pub -> copy to the router's /etc/apk/keys/"
