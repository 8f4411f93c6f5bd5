#!/usr/bin/env bash
# antsibull-changelog: the fragments in changelogs/fragments/ (sections from changelogs/config.yaml) and, when it
# exists, changelogs/changelog.yaml. A fragment is a YAML file: `minor_changes: ["cortex_user - ..."]`, `trivial: [...]`.
source "$(dirname "$0")/common.sh"
changelog_yaml=

[ -f changelogs/config.yaml ] || die "changelogs/config.yaml missing"
run_logged "antsibull-changelog lint" antsibull-changelog lint
if [ -f changelogs/changelog.yaml ]; then
  changelog_yaml=1
  run_logged "antsibull-changelog lint-changelog-yaml" antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
fi
shopt -s nullglob
fragments=(changelogs/fragments/*.yml changelogs/fragments/*.yaml)
echo "changelog: ${#fragments[@]} fragment(s) valid${changelog_yaml:+, and changelogs/changelog.yaml}"
