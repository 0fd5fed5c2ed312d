"""Hand-written rows for the prompt-injection generalisation work (see make_generalise_data.py)."""
