"""How good the answers are: the question sets and reply probes (sets/), the retrieval
figures (quality.py) and the reply checks (replies.py). Used by the bench commands and by
the tests' quality bars alike, so neither imports the other."""
