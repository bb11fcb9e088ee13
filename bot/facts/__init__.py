"""Rule facts as data (thresholds, periods, bands, quorums, term lengths) and the calculators
that apply them to a user's case. Answers and calculators read the same facts, so a number is
changed in one place: ``knowledge/facts/*.yaml``."""
