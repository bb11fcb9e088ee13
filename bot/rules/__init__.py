"""Rules questions: the knowledge base and its matcher (``engine``), the classifier it ranks
with, and ``case``, which applies a rule to the asker's own case (calculators, two-part
questions, corrections, out-of-domain and no-rule answers)."""
