"""Human-readable output of the commands that print more than a few lines:
the renderers return or yield text, the commands print it."""
