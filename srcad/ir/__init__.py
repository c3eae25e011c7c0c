"""The SSA intermediate representation (the evaluation trace), its atoms and its builder."""
