#!/usr/bin/env bash
# The documentation site (`make docs`): antsibull-docs renders every module, plugin and role of a private copy of the
# collection, the Markdown guides of docs/ are added as they are (myst-parser), and Sphinx builds the HTML into
# build/docs/html/ with warnings as errors: an unresolved reference, a broken link between guides or to a file of the
# repository, a Markdown or RST problem fails the check. See tools/checks/docsite.py. DOCSITE_ALLOW_WARNINGS=1
# builds the site anyway (for a look at a broken page).
source "$(dirname "$0")/common.sh"

out="$ROOT/build/docs"
lock docs
mkdir -p "$out"
log="$out/build.log"
# a copy of the collection of its own: no lock on the shared tree while Sphinx runs
"$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$out/collections" >/dev/null || die "could not make the collection tree"
args=(--collections "$out/collections" --out "$out")
[ "${DOCSITE_ALLOW_WARNINGS:-0}" = 1 ] && args+=(--allow-warnings)
rc=0
"$PY" "$ROOT/tools/checks/docsite.py" "${args[@]}" >"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
  # Sphinx names the files of build/docs/src/: docs/X.md there is docs/X.md here
  sed -e "s#$out/src/docs/#docs/#g" -e "s#$out/##g" "$log" >&2
  die "docsite: the site does not build cleanly (exit $rc; log: ${log#"$ROOT"/})"
fi
[ -s "$out/html/index.html" ] || die "docsite: no build/docs/html/index.html"
guides=$(find "$out/html/docs" -maxdepth 1 -name '*.html' | wc -l)
pages=$(find "$out/html/collections/cloudforyou" -name '*_module.html' -o -name '*_role.html' -o -name '*_filter.html' \
  -o -name '*_inventory.html' -o -name '*_lookup.html' | wc -l)
echo "docsite: build/docs/html/index.html: $guides guide(s), $pages plugin and role page(s), no Sphinx warning"
