#!/usr/bin/env bash
# Assembles the headless manager's image WITHOUT a registry: `docker build` of
# Dockerfile.gui-docker-manager needs its base images pulled, which machines without registry
# access cannot do. This builds the same runtime layout from what the host has instead:
#
#   /nodejs/bin/node           the host's node binary (where distroless keeps it) + its shared libraries (ldd)
#   /app/dist                  the build output (run `npm run build` first)
#   /app/node_modules          production dependencies only (npm ci --omit=dev from the lock file)
#   /app/package.json, /app/config
#
# and imports it with the Dockerfile's runtime settings (user 65532, port 8098, HEALTHCHECK).
#
#   scripts/assemble-local-image.sh IMAGE_TAG [LABEL=VALUE ...]
set -euo pipefail

tag=${1:?usage: $0 IMAGE_TAG [LABEL=VALUE ...]}
shift

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f dist/main/server.js ] && [ -f dist/main/healthcheck.js ] || { echo "run npm run build first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lucid-image-XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs/nodejs/bin" "$rootfs/app" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"

node_bin=$(readlink -f "$(command -v node)")
cp "$node_bin" "$rootfs/nodejs/bin/node"
# Every library the binary links, at the path the loader looks for it (the loader itself included).
ldd "$node_bin" | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done

cp -r dist package.json config "$rootfs/app/"
deps="$work/deps"
mkdir -p "$deps"
cp package.json package-lock.json "$deps/"
(cd "$deps" && ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error) >&2
mv "$deps/node_modules" "$rootfs/app/node_modules"

changes=(
  --change 'USER 65532:65532'
  --change 'WORKDIR /app'
  --change 'ENV NODE_ENV=production LUCID_ENV=production HOST=0.0.0.0 PORT=8098'
  --change 'EXPOSE 8098'
  --change 'ENTRYPOINT ["/nodejs/bin/node"]'
  --change 'CMD ["/app/dist/main/server.js"]'
  --change "HEALTHCHECK --interval=${LUCID_HEALTH_INTERVAL:-30s} --timeout=5s --start-period=10s --retries=3 CMD [\"/nodejs/bin/node\", \"/app/dist/main/healthcheck.js\"]"
)
for label in "$@"; do changes+=(--change "LABEL $label"); done

tar -C "$rootfs" --owner=0 --group=0 --numeric-owner -c . | docker import "${changes[@]}" - "$tag" >/dev/null
echo "$tag"
