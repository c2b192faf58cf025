"""Generated from proto/src/main/proto/ablserve/v2; private."""
