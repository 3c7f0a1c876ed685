#!/usr/bin/env bash
# Assembles the headless manager's image WITHOUT a registry: `docker build` of
# Dockerfile.gui-docker-manager needs its base images pulled, which machines without registry
# access cannot do. This builds the same runtime layout from what the host has instead:
#
#   /nodejs/bin/node           the host's node binary (where distroless keeps it) + its shared libraries (ldd)
#   /app/dist                  the build output (run `npm run build` first)
#   /app/node_modules          production dependencies only (npm ci --omit=dev from the lock file)
#   /app/package.json, /app/config
#   /etc/passwd, /etc/group, /home/nonroot   distroless' user database, so Docker sets HOME as there
#
# The image config (ENV, USER, WORKDIR, EXPOSE, HEALTHCHECK, CMD) and the directories copied in
# with --chown are read from the Dockerfile's final stage (scripts/dockerfile-runtime.ts), not
# repeated here. Not mirrored: the compose v2 binary (COMPOSE_BIN points at a file this image
# lacks, so compose reports unavailable).
#
#   scripts/assemble-local-image.sh IMAGE_TAG [LABEL=VALUE ...]
set -euo pipefail

tag=${1:?usage: $0 IMAGE_TAG [LABEL=VALUE ...]}
shift

cd "$(dirname "${BASH_SOURCE[0]}")/.."
dockerfile=Dockerfile.gui-docker-manager
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

# What the distroless base image brings: node as the entrypoint, and its user database, from
# which Docker takes HOME for the numeric USER (/home/nonroot, private to 65532).
mkdir -p "$rootfs/etc"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$rootfs/etc/passwd"
printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >"$rootfs/etc/group"
changes=(--change 'ENTRYPOINT ["/nodejs/bin/node"]')
owned=("65532:65532 0700 /home/nonroot")

# What the Dockerfile sets, read from it.
node --import tsx scripts/dockerfile-runtime.ts changes "$dockerfile" >"$work/changes"
mapfile -d '' -t from_dockerfile <"$work/changes"
[ "${#from_dockerfile[@]}" -gt 0 ] || { echo "no runtime settings found in $dockerfile" >&2; exit 1; }
for change in "${from_dockerfile[@]}"; do changes+=(--change "$change"); done
# Directories the final stage copies in with --chown: made there by the builder's `mkdir` (0755).
node --import tsx scripts/dockerfile-runtime.ts owned-dirs "$dockerfile" >"$work/owned-dirs"
while read -r owner dir; do owned+=("$owner 0755 $dir"); done <"$work/owned-dirs"
for label in "$@"; do changes+=(--change "LABEL $label"); done

# Everything root-owned, then each owned directory appended with its own owner and mode (its
# parents come first, root-owned). A new named volume mounted there takes that owner.
for entry in "${owned[@]}"; do
  read -r _owner _mode dir <<<"$entry"
  mkdir -p "$rootfs$(dirname "$dir")"
done
tar -C "$rootfs" --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" .
for entry in "${owned[@]}"; do
  read -r owner mode dir <<<"$entry"
  mkdir -p "$work/owned$dir"
  chmod "$mode" "$work/owned$dir"
  tar -C "$work/owned" --owner="${owner%:*}" --group="${owner#*:}" --numeric-owner --no-recursion -rf "$work/rootfs.tar" ".$dir"
done
docker import "${changes[@]}" - "$tag" <"$work/rootfs.tar" >/dev/null
echo "$tag"
