"""Lowering: the user's Python (AST) to SSA IR, a statement and an expression at a time."""
