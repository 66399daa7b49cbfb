"""Sphinx configuration of the course site (built by `make site`, see course_utils/site.py).

The source folder is generated (build/site/src): the home page and the learners' version of each
committed notebook. Nothing is executed and nothing is fetched from the network: MathJax is
served from the site itself (sphinx-mathjax-offline ships it), search is Sphinx's own.
"""

project = "Deep learning with TensorFlow 2 / Keras 3"
author = "the course authors"
copyright = "the course authors"

extensions = [
    "myst_nb",  # reads .ipynb (and MyST Markdown) into Sphinx
    "sphinx-mathjax-offline",  # copies MathJax 3 into _static/ and points mathjax_path at it
]

# The notebooks are committed executed: show their stored outputs, never run them here.
nb_execution_mode = "off"
nb_merge_streams = True
nb_output_stderr = "show"
# $...$ and $$...$$ in Markdown cells, \begin{align} etc. as in JupyterLab.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

exclude_patterns = ["_build", "**.ipynb_checkpoints"]

html_theme = "sphinx_book_theme"
html_title = "Deep learning with TensorFlow 2 / Keras 3"
html_static_path = []
html_favicon = "favicon.svg"  # else browsers ask for /favicon.ico and log a 404
html_last_updated_fmt = None
html_copy_source = True  # the student notebook (no solutions) behind the download button
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": True,
    "use_repository_button": False,
    "use_issues_button": False,
    "use_edit_page_button": False,
    "show_prev_next": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "home_page_in_toc": True,
    "launch_buttons": {},
    "extra_footer": "",
}
# pydata-sphinx-theme: no version-switcher or analytics fetches, nothing from outside.
html_context = {"default_mode": "light"}
