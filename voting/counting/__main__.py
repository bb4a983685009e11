"""``python -m voting.counting FILE.pb --rule RULE``: the tally command alone."""
from .cli import tally

if __name__ == "__main__":
    tally(prog_name="python -m voting.counting")
