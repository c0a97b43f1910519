#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the HTML documentation ("make htmldocs") from Documentation/ with
# Sphinx and the kernel's kernel-doc extension from $KSRC (.ci/ksrc.sh).
# Output: Documentation/output/html/index.html (git-ignored).  Fails on any
# Sphinx warning (-W, after the whole build: --keep-going) and on any
# kernel-doc warning (Documentation/sphinx/kernel-doc: -Wall -Werror).
# SPHINXOPTS= adds sphinx-build options; DOCS_THEME= picks another theme.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

command -v sphinx-build >/dev/null ||
	{ echo "htmldocs: sphinx-build is missing: run 'make deps'" >&2; exit 1; }
KSRC=$(.ci/ksrc.sh)
export KSRC
out=Documentation/output
# A fresh build each time: Sphinx would not re-read an unchanged page, and
# so would not repeat its warnings.
rm -rf "$out"
# shellcheck disable=SC2086 # SPHINXOPTS is a list of options
sphinx-build -b html -W --keep-going -q ${SPHINXOPTS:-} \
	-d "$out/doctrees" Documentation "$out/html"
echo "htmldocs: $repo/$out/html/index.html"
