"""What users run beside the transforms: trace tables, gradient checks, export, the CLI."""
