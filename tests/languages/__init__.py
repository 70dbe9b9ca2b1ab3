"""Tests about one language only (what holds for every language is in
tests/conformance/)."""
