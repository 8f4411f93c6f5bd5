#!/usr/bin/env bash
# antsibull-docs lint-collection-docs on the collection tree: docs/ (extra docs), and with --plugin-docs every
# module, plugin and role (meta/argument_specs.yml) is rendered to RST, schema-checked and rstcheck-ed. References to
# any collection (C(...), M(...), O(...), RV(...), L(...)) are validated; unknown collections are an error.
source "$(dirname "$0")/common.sh"

lock tree
tree=$(collection_tree)
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_PARENT"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all --disallow-unknown-collection-refs \
  --check-extra-docs-refs "$tree" >"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
  # paths in the tree, or in antsibull-docs' own temporary copy of it, shown relative to the repository
  sed -E -e "s#$tree/##g" -e 's#/[^ :]*/antsibull-docs-[^/ ]*/ansible_collections/[^/ ]+/[^/ ]+/##g' "$log" >&2
  echo "docs: FAILED (antsibull-docs exit $rc)" >&2
  exit $rc
fi
echo "docs: plugin, role and extra docs lint clean"
