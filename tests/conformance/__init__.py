"""The conformance suite: the language-invariant tests, written once and run
for every language's profile (profiles.py)."""
