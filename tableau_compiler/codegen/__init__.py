"""Code generation, kept apart from analysis: scheme values in, Python source out.

Every decision is made in Python (:mod:`.context`) and handed to a jinja2 template as
plain data; the templates only lay text out.  Nothing from a scheme file reaches the
source except through the escapers of :mod:`.printer`.
"""
