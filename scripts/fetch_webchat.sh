#!/usr/bin/env bash
# Fetches rasa-webchat@1.0.1 from the npm registry into var/npm/ (git-ignored), unless it is there,
# and prints the path of its standalone browser bundle: lib/index.js, a webpack UMD build that
# bundles React and socket.io-client 3 and sets `window.WebChat` (mount with `WebChat.default(props)`).
# tests/integration/test_webchat.py loads it in Chromium against the desk.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.0.1
# sha512 of rasa-webchat-1.0.1.tgz: the registry's `dist.integrity`, in hex.
SHA512=2ddd73549bd301a4ebb3a039a7cb7bd1a80d36b2984725e5bea5d94600680ef28a5176c0d238492840a2e5b74f1a5691ea3b26a96b55ca51d2f98a88aa8d31f3
DEST=var/npm/rasa-webchat-$VERSION
BUNDLE=$DEST/lib/index.js

if [[ -s $BUNDLE ]]; then
  echo "$BUNDLE"
  exit 0
fi

command -v npm >/dev/null || { echo "npm is missing (apt-get install npm)" >&2; exit 1; }
mkdir -p var/npm
work=$(mktemp -d var/npm/.fetch.XXXXXX)
trap 'rm -rf "$work"' EXIT
npm pack --loglevel=error --pack-destination "$work" "rasa-webchat@$VERSION" >/dev/null
tarball=$work/rasa-webchat-$VERSION.tgz
echo "$SHA512  $tarball" | sha512sum --check --quiet - >&2 || {
  echo "rasa-webchat-$VERSION.tgz does not have the expected sha512" >&2
  exit 1
}
mkdir "$work/package"
tar -xzf "$tarball" -C "$work/package" --strip-components=1
test -s "$work/package/lib/index.js"
rm -rf "$DEST"
mv "$work/package" "$DEST"
echo "$BUNDLE"
