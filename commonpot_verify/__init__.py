"""commonpot-verify: check a Commonpot audit log from outside, trusting nothing but its key.

Pure Python plus the `cryptography` package: no Flask, no database. The app itself imports
the hashing and note code from here, so there is one definition of a leaf and a checkpoint.
"""
