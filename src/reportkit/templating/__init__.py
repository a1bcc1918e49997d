"""Templates: the Jinja sandbox, reading a template file safely, the template set, the check
command (``templates check``) and the analysis of what a template uses."""
