"""Generated from proto/src/main/proto/ablserve/v1; private."""
