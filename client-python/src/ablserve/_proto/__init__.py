"""Private: generated gRPC modules (see regen_stubs.py)."""
