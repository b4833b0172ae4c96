# Sourced by scripts/bench-ab and scripts/bench-render, from the repository's top:
# `ref_build REV` builds REV's release icpaudit in a temporary git worktree (bench-out/ref-src,
# scratch path .build-ref, this tree's Package.resolved so both use the same dependencies) and
# keeps it as bench-out/ref-<short hash>/icpaudit, reused by later runs against REV. Sets
# ref_rev (the short hash) and ref_bin (the binary's path).
ref_build() {
  ref_rev=$(git rev-parse --short "$1^{commit}")
  ref_bin=bench-out/ref-$ref_rev/icpaudit
  if [ -x "$ref_bin" ]; then return 0; fi
  rm -rf bench-out/ref-src
  git worktree prune
  git worktree add --force --detach bench-out/ref-src "$ref_rev" >/dev/null
  if [ -f Package.resolved ]; then cp Package.resolved bench-out/ref-src/; fi
  swift build -c release --product icpaudit --package-path bench-out/ref-src --scratch-path .build-ref >/dev/null
  mkdir -p "bench-out/ref-$ref_rev"
  cp "$(swift build -c release --package-path bench-out/ref-src --scratch-path .build-ref --show-bin-path)/icpaudit" "bench-out/ref-$ref_rev/"
  git worktree remove --force bench-out/ref-src
}
