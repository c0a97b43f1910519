# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of bufpool's documentation ("make htmldocs").
#
# The kernel-doc directive is the kernel's own Sphinx extension, loaded from
# the full 6.12 source tree in $KSRC (.ci/ksrc.sh finds it):
# $KSRC/Documentation/sphinx/kerneldoc.py, which runs kernel-doc through
# Documentation/sphinx/kernel-doc, a wrapper that turns every kernel-doc
# warning into a failure, reported by the extension as a Sphinx warning
# (and "make htmldocs" runs sphinx-build -W: any warning fails the build).

import os
import sys

ksrc = os.environ.get('KSRC')
if not ksrc or not os.path.isfile(os.path.join(ksrc, 'scripts', 'kernel-doc')):
    sys.exit('conf.py: KSRC must name a full 6.12 source tree: run "make htmldocs"')

sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

here = os.path.dirname(os.path.abspath(__file__))

project = 'bufpool'
copyright = 'The bufpool authors'
author = 'The bufpool authors'

extensions = ['kerneldoc']

# kernel-doc runs from the repository's root, as the kernel's from its tree.
kerneldoc_bin = os.path.join(here, 'sphinx', 'kernel-doc')
kerneldoc_srctree = os.path.dirname(here)

# Attributes the C domain must skip in kernel-doc's prototypes: the kernel's
# list (its Documentation/conf.py) as far as bufpool uses them, and
# VISIBLE_IF_KUNIT (<kunit/visibility.h>: static, or nothing under KUnit).
c_id_attributes = [
    '__iomem', '__percpu', '__rcu', '__user', '__force', 'noinstr',
    'notrace', '__always_inline', '__cold', '__pure', '__malloc',
    '__must_check', '__always_unused', '__maybe_unused', '__used', '__weak',
    'noinline', '__init', '__exit', '__ref', 'VISIBLE_IF_KUNIT',
]

master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = ['output']
# Literal blocks (::) are not highlighted, as in the kernel's documentation.
highlight_language = 'none'
primary_domain = 'c'

html_theme = os.environ.get('DOCS_THEME', 'sphinx_rtd_theme')
try:
    __import__(html_theme)
except ImportError:
    html_theme = 'alabaster'
html_title = 'bufpool documentation'
html_show_sourcelink = False
